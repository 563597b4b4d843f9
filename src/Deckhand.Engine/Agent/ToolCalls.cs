using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Tools;
using Microsoft.Extensions.AI;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Agent;

/// <summary>
/// Handles the tool calls of one LLM response: records every call as an <see cref="ActionEvent"/> (with the LLM
/// stats, in one commit) before anything runs, then runs the valid ones in order and records each result as soon as
/// it is known. Calls the model got wrong become an <see cref="AgentErrorEvent"/> it can read and correct.
/// </summary>
internal static class ToolCalls
{
    public static async Task RunAsync(ConversationRunner conversation, AgentRuntime agent, IReadOnlyList<FunctionCallContent> calls,
        string thought, ReplyExtras extras, string responseId, ConversationStats stats, CancellationToken cancellationToken)
    {
        var recorded = new List<Event>();
        var runnable = new List<(ActionEvent Event, ITool Tool)>();
        var first = true;
        foreach (var call in calls)
        {
            // Spec §4.3: only the first action of a response carries its thought, reasoning and thinking blocks.
            var parsed = Parse(agent.Tools, call, first ? thought : "", first ? extras : ReplyExtras.None, responseId);
            first = false;
            recorded.Add(parsed.Action);
            if (parsed.Error is not null)
                recorded.Add(parsed.Error);
            else
                runnable.Add((parsed.Action, parsed.Tool!));
            if (parsed.Action.Action is FinishAction)
                break; // nothing after finish runs
        }
        await conversation.AppendAsync(recorded, s => s with { Stats = stats }, CancellationToken.None);

        var context = agent.ToolContext;
        if (agent.ToolConcurrencyLimit <= 1 || runnable.Count <= 1)
        {
            // One at a time: each result is recorded the moment it is known.
            foreach (var (action, tool) in runnable)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = await ExecuteAsync(tool, action, context, cancellationToken);
                await conversation.AppendAsync([result], FinishedIf([(action, result)]), CancellationToken.None);
            }
            return;
        }
        var results = await RunConcurrentlyAsync(runnable, context, agent.ToolConcurrencyLimit, cancellationToken);
        await conversation.AppendAsync([.. results.Select(r => r.Result)], FinishedIf(results), CancellationToken.None);
    }

    /// <summary>
    /// Runs up to <paramref name="limit"/> calls at once, never two with the same concurrency key together, and
    /// returns the results in call order (so they are recorded in the order the model made the calls).
    /// </summary>
    private static async Task<(ActionEvent Action, Event Result)[]> RunConcurrentlyAsync(List<(ActionEvent Event, ITool Tool)> runnable,
        ToolContext context, int limit, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(limit);
        var keys = runnable.Select(r => r.Tool.ConcurrencyKey(r.Event.Action!)).Distinct(StringComparer.Ordinal)
            .ToDictionary(k => k, _ => new SemaphoreSlim(1, 1), StringComparer.Ordinal);
        try
        {
            return await Task.WhenAll(runnable.Select(async r =>
            {
                var key = keys[r.Tool.ConcurrencyKey(r.Event.Action!)];
                await slots.WaitAsync(cancellationToken);
                try
                {
                    await key.WaitAsync(cancellationToken);
                    try
                    {
                        return (r.Event, await ExecuteAsync(r.Tool, r.Event, context, cancellationToken));
                    }
                    finally
                    {
                        key.Release();
                    }
                }
                finally
                {
                    slots.Release();
                }
            }));
        }
        finally
        {
            foreach (var key in keys.Values)
                key.Dispose();
        }
    }

    /// <summary>A successful finish call ends the turn, in the same commit as its result.</summary>
    private static Func<ConversationState, ConversationState>? FinishedIf(IEnumerable<(ActionEvent Action, Event Result)> results) =>
        results.Any(r => r.Action.Action is FinishAction && r.Result is ObservationEvent)
            ? s => s with { ExecutionStatus = ExecutionStatus.Finished }
            : null;

    private static async Task<Event> ExecuteAsync(ITool tool, ActionEvent action, ToolContext context, CancellationToken cancellationToken)
    {
        try
        {
            var observation = await tool.ExecuteAsync(action.Action!, context, cancellationToken);
            return new ObservationEvent
            {
                ParentId = action.Id,
                ToolName = action.ToolName,
                ToolCallId = action.ToolCallId,
                ActionId = action.Id,
                Observation = observation,
            };
        }
        catch (ToolArgumentException ex)
        {
            return Failure(action, $"Error executing tool '{action.ToolName}': {ex.Message}", ErrorClassification.AgentOutcome);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failure(action, $"Error executing tool '{action.ToolName}': {ex.Message}", ErrorClassification.Internal);
        }
    }

    private static AgentErrorEvent Failure(ActionEvent action, string message, ErrorClassification classification) => new()
    {
        ParentId = action.Id,
        ToolName = action.ToolName,
        ToolCallId = action.ToolCallId,
        Error = message,
        Classification = classification,
    };

    private sealed record Parsed(ActionEvent Action, ITool? Tool, AgentErrorEvent? Error);

    private static Parsed Parse(IReadOnlyList<ITool> tools, FunctionCallContent call, string thought, ReplyExtras extras, string responseId)
    {
        var raw = call.RawRepresentation as string ?? "{}";
        var toolCall = new MessageToolCall { Id = call.CallId, Name = call.Name, Arguments = raw };
        ActionEvent Action(ToolAction? action, SecurityRisk risk = SecurityRisk.Unknown, string? summary = null) => new()
        {
            Thought = thought.Length > 0 ? [new TextContent(thought)] : [],
            ReasoningContent = extras.Reasoning,
            ThinkingBlocks = extras.ThinkingBlocks,
            Action = action,
            // The tool that ran (an alias such as "bash" resolves to "terminal"); tool_call keeps what the model sent.
            ToolName = action is null ? call.Name : ToolNames.Resolve(tools, call.Name)?.Name ?? call.Name,
            ToolCallId = call.CallId,
            ToolCall = toolCall,
            LlmResponseId = responseId,
            SecurityRisk = risk,
            Summary = summary,
        };
        Parsed Invalid(string error)
        {
            var action = Action(null);
            return new Parsed(action, null, Failure(action, error, ErrorClassification.AgentOutcome));
        }

        // A call the client could not read (a prompt-based call in the wrong format) carries a correction for the model.
        if (call.Exception is { } unreadable)
            return Invalid($"Error validating tool '{call.Name}': {unreadable.Message}");

        var tool = ToolNames.Resolve(tools, call.Name);
        if (tool is null)
            return Invalid($"Tool '{call.Name}' not found. Available: [{string.Join(", ", tools.Select(t => $"'{t.Name}'"))}]");

        JsonElement arguments;
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(raw) ? "{}" : raw);
            arguments = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return Invalid($"Error validating tool '{call.Name}': the arguments are not valid JSON. Arguments: unparseable JSON");
        }
        if (arguments.ValueKind != JsonValueKind.Object)
            return Invalid($"Error validating tool '{call.Name}': the arguments must be a JSON object.");

        var (cleaned, summary) = StripMeta(arguments);
        try
        {
            var action = tool.Parse(cleaned);
            return new Parsed(Action(action, SecurityRisk.Unknown, summary ?? $"{call.Name}: {raw}"), tool, null);
        }
        catch (ToolArgumentException ex)
        {
            var provided = string.Join(", ", cleaned.EnumerateObject().Select(p => $"'{p.Name}'"));
            return Invalid($"Error validating tool '{call.Name}': {ex.Message}. Parameters provided: [{provided}]");
        }
    }

    /// <summary>
    /// Removes the fields Deckhand adds to every schema (<c>security_risk</c>, <c>summary</c>) and null values, which
    /// models send for optional parameters they mean to leave out.
    /// </summary>
    private static (JsonElement Arguments, string? Summary) StripMeta(JsonElement arguments)
    {
        string? summary = null;
        var kept = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in arguments.EnumerateObject())
        {
            if (property.Name == "summary" && property.Value.ValueKind == JsonValueKind.String)
                summary = property.Value.GetString();
            else if (property.Name is "security_risk" or "summary" || property.Value.ValueKind == JsonValueKind.Null)
                continue;
            else
                kept[property.Name] = property.Value;
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in kept)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return (doc.RootElement.Clone(), summary);
    }
}
