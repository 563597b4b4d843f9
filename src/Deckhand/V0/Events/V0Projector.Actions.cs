using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;

namespace Deckhand.V0.Events;

public sealed partial class V0Projector
{
    private const string Fence = "```";

    private V0Event SystemPrompt(SystemPromptEvent s)
    {
        var content = s.DynamicContext is { } dynamic ? s.SystemPrompt.Text + "\n\n" + dynamic.Text : s.SystemPrompt.Text;
        var tools = new JsonArray([.. s.Tools.Select(t => (JsonNode?)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = t.Title, ["description"] = t.Description },
        })]);
        var args = new JsonObject
        {
            ["content"] = content,
            ["tools"] = tools,
            ["openhands_version"] = ServerVersion,
            ["agent_class"] = "CodeActAgent",
        };
        return ActionOf(s, "system", args, content);
    }

    private V0Event Message(MessageEvent m)
    {
        var content = m.LlmMessage.Text();
        var images = m.LlmMessage.Content.OfType<ImageContent>().SelectMany(i => i.ImageUrls).ToList();
        var fromAgent = m.Source == EventSource.Agent;
        var args = new JsonObject
        {
            ["content"] = content,
            ["file_urls"] = null,
            ["image_urls"] = fromAgent && images.Count == 0 ? null : new JsonArray([.. images.Select(u => (JsonNode?)u)]),
            // An agent's message ends its turn: it waits for the user.
            ["wait_for_response"] = fromAgent,
            ["security_risk"] = -1,
        };
        var e = ActionOf(m, "message", args, content);
        if (!fromAgent)
            return e;
        _lastAgentTurnWasReply = true;
        return e with { LlmMetrics = Metrics() };
    }

    private V0Event? Action(ActionEvent a)
    {
        _lastAgentTurnWasReply = false;
        // A call that failed validation has no V0 form; the AgentErrorEvent that follows it shows as an error.
        if (a.Action is null)
            return null;
        var thought = ContentText.Join(a.Thought);
        var risk = SecurityRisk(a.SecurityRisk);
        double? timeout = null;
        (string type, JsonObject args, string message) = a.Action switch
        {
            TerminalAction t => Run(t, thought, risk, out timeout),
            FileEditorAction { Command: "view" } f => ("read", new JsonObject
            {
                ["path"] = f.Path,
                ["start"] = 0,
                ["end"] = -1,
                ["thought"] = thought,
                ["security_risk"] = risk,
                ["impl_source"] = "oh_aci",
                ["view_range"] = f.ViewRange is { } range ? new JsonArray([.. range.Select(r => (JsonNode?)r)]) : null,
            }, $"Reading file: {f.Path}"),
            FileEditorAction f => ("edit", new JsonObject
            {
                ["path"] = f.Path,
                ["command"] = f.Command,
                ["file_text"] = f.FileText,
                ["old_str"] = f.OldStr,
                ["new_str"] = f.NewStr,
                ["insert_line"] = f.InsertLine,
                ["content"] = "",
                ["start"] = 1,
                ["end"] = -1,
                ["thought"] = thought,
                ["security_risk"] = risk,
                ["impl_source"] = "oh_aci",
            }, ""),
            TaskTrackerAction t => ("task_tracking", new JsonObject
            {
                ["command"] = t.Command,
                ["task_list"] = TaskList(t.TaskList),
                ["thought"] = thought,
            }, TaskMessage(t.Command, t.TaskList.Count)),
            ThinkAction t => ("think", new JsonObject { ["thought"] = t.Thought }, $"I am thinking...: {t.Thought}"),
            FinishAction f => ("finish", new JsonObject
            {
                ["final_thought"] = f.Message,
                ["outputs"] = new JsonObject(),
                ["thought"] = thought,
            }, thought.Length > 0 ? thought : "All done! What's next on the agenda?"),
            // glob, grep and MCP tools: V0 has no action of their own, so they show as a generic tool call.
            _ => ToolCall(a, thought, risk),
        };
        var calls = _callsPerResponse[a.LlmResponseId] = _callsPerResponse.GetValueOrDefault(a.LlmResponseId) + 1;
        _actions[a.Id] = new ToolCallOrigin(a.LlmResponseId);
        return ActionOf(a, type, args, message) with
        {
            Timeout = timeout,
            ToolCallMetadata = ToolCallMetadata(a.ToolName, a.ToolCallId, calls, ModelResponse(a, thought)),
            LlmMetrics = Metrics(),
        };
    }

    private static (string, JsonObject, string) Run(TerminalAction t, string thought, int risk, out double? timeout)
    {
        timeout = t.Timeout;
        return ("run", new JsonObject
        {
            ["command"] = t.Command,
            ["is_input"] = t.IsInput,
            ["thought"] = thought,
            // V0 marks a command with a hard timeout as blocking.
            ["blocking"] = t.Timeout is not null,
            ["is_static"] = false,
            ["cwd"] = null,
            ["hidden"] = false,
            ["confirmation_state"] = "confirmed",
            ["security_risk"] = risk,
        }, $"Running command: {t.Command}");
    }

    private static (string, JsonObject, string) ToolCall(ActionEvent a, string thought, int risk)
    {
        var arguments = ParseArguments(a.ToolCall.Arguments);
        var args = new JsonObject
        {
            ["name"] = a.ToolName,
            ["arguments"] = JsonNode.Parse(arguments.GetRawText()),
            ["thought"] = thought,
            ["security_risk"] = risk,
        };
        var message = $"I am interacting with the MCP server with name:\n{Fence}\n{a.ToolName}\n{Fence}\nand arguments:\n{Fence}\n{PythonRepr.Of(arguments)}\n{Fence}";
        return ("call_tool_mcp", args, message);
    }

    private static JsonElement ParseArguments(string raw)
    {
        try
        {
            using var doc = JsonDocument.Parse(raw);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
                return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
        }
        using var empty = JsonDocument.Parse("{}");
        return empty.RootElement.Clone();
    }

    private static JsonArray TaskList(IReadOnlyList<TaskItem> tasks) =>
        // Deckhand's tasks have no ids; V0 clients key them, so they are numbered in list order.
        new([.. tasks.Select((t, i) => (JsonNode?)new JsonObject
        {
            ["id"] = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["title"] = t.Title,
            ["status"] = t.Status,
            ["notes"] = t.Notes,
        })]);

    private static string TaskMessage(string command, int count) => command == "view" ? "Viewing the task list." : count switch
    {
        0 => "Clearing the task list.",
        1 => "Managing 1 task item.",
        _ => $"Managing {count} task items.",
    };

    private static JsonObject ToolCallMetadata(string function, string toolCallId, int calls, JsonObject modelResponse) => new()
    {
        ["function_name"] = function,
        ["tool_call_id"] = toolCallId,
        ["model_response"] = modelResponse,
        ["total_calls_in_response"] = calls,
    };

    /// <summary>
    /// A LiteLLM-shaped response holding this one call. Deckhand does not keep the raw model response; V0 clients only
    /// display events, and nothing reads this back.
    /// </summary>
    private static JsonObject ModelResponse(ActionEvent a, string thought) => new()
    {
        ["id"] = a.LlmResponseId,
        ["object"] = "chat.completion",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["finish_reason"] = "tool_calls",
            ["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = thought.Length > 0 ? thought : null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = a.ToolCall.Id,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = a.ToolCall.Name, ["arguments"] = a.ToolCall.Arguments },
                }),
            },
        }),
    };

    /// <summary>
    /// <c>llm_metrics</c> from the latest usage stats: cost summed over every usage (agent, condenser, titles), tokens of the
    /// agent's model. Stats are stored right after the events of the step that incurred them, so an action carries the
    /// totals as of the step before it.
    /// </summary>
    private JsonObject? Metrics()
    {
        if (_stats is not { UsageToMetrics.Count: > 0 } stats)
            return null;
        var all = stats.UsageToMetrics.Values.ToList();
        var main = stats.UsageToMetrics.GetValueOrDefault("default") ?? all[0];
        var usage = main.AccumulatedTokenUsage;
        return new JsonObject
        {
            ["accumulated_cost"] = all.Sum(m => m.AccumulatedCost),
            ["max_budget_per_task"] = main.MaxBudgetPerTask ?? all.Select(m => m.MaxBudgetPerTask).FirstOrDefault(b => b is not null),
            ["accumulated_token_usage"] = new JsonObject
            {
                ["model"] = usage?.Model ?? main.ModelName,
                ["prompt_tokens"] = all.Sum(m => m.AccumulatedTokenUsage?.PromptTokens ?? 0),
                ["completion_tokens"] = all.Sum(m => m.AccumulatedTokenUsage?.CompletionTokens ?? 0),
                ["cache_read_tokens"] = all.Sum(m => m.AccumulatedTokenUsage?.CacheReadTokens ?? 0),
                ["cache_write_tokens"] = all.Sum(m => m.AccumulatedTokenUsage?.CacheWriteTokens ?? 0),
                ["context_window"] = usage?.ContextWindow ?? 0,
                ["per_turn_token"] = usage?.PerTurnToken ?? 0,
                ["response_id"] = usage?.ResponseId ?? "",
            },
            ["costs"] = new JsonArray(),
            ["response_latencies"] = new JsonArray(),
            ["token_usages"] = new JsonArray(),
        };
    }
}
