using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Security;
using Deckhand.Engine.Tools;
using Microsoft.Extensions.AI;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Agent;

/// <summary>
/// Handles the tool calls of one LLM response: records every call as an <see cref="ActionEvent"/> (with the LLM
/// stats and its rated risk, in one commit) before anything runs, then passes the valid ones through
/// <see cref="ActionGate"/>: they either run in order, each result recorded as soon as it is known, or wait for the
/// user's confirmation. Calls the model got wrong become an <see cref="AgentErrorEvent"/> it can read and correct.
/// </summary>
internal static class ToolCalls
{
    /// <param name="stats">The stats after the LLM call, or null for calls no model made (a replay).</param>
    /// <param name="metaChange">Applied in the commit that records the calls (a replay pops its queue there).</param>
    public static async Task<StepOutcome> RunAsync(ConversationRunner conversation, AgentRuntime agent, IReadOnlyList<FunctionCallContent> calls,
        string thought, ReplyExtras extras, string responseId, ConversationStats? stats, CancellationToken cancellationToken,
        Func<ConversationMeta, ConversationMeta>? metaChange = null)
    {
        var state = conversation.Snapshot.State;
        var recorded = new List<Event>();
        var runnable = new List<GateCall>();
        var first = true;
        foreach (var call in calls)
        {
            // Spec §4.3: only the first action of a response carries its thought, reasoning and thinking blocks.
            var parsed = Parse(agent.Tools, state, call, first ? thought : "", first ? extras : ReplyExtras.None, responseId);
            first = false;
            recorded.Add(parsed.Action);
            if (parsed.Error is not null)
                recorded.Add(parsed.Error);
            else
                runnable.Add(new GateCall(parsed.Action, parsed.Tool!));
            if (parsed.Action.Action is FinishAction)
                break; // nothing after finish runs
        }

        // The policy of the moment decides; a change made while the model was thinking applies to this batch.
        var cleared = ActionGate.Review(conversation.Snapshot.State.ConfirmationPolicy, runnable);
        if (cleared is null)
        {
            // Recorded, not run: the calls wait (durably) for respond_to_confirmation. The loop stops here.
            await conversation.AppendWithMetaAsync(recorded, s => s with { Stats = stats ?? s.Stats, ExecutionStatus = ExecutionStatus.WaitingForConfirmation },
                metaChange, CancellationToken.None);
            return StepOutcome.AwaitingConfirmation;
        }
        await conversation.AppendWithMetaAsync(recorded, stats is null ? null : s => s with { Stats = stats }, metaChange, CancellationToken.None);
        await ExecuteAsync(conversation, agent, cleared, cancellationToken);
        return StepOutcome.Continue;
    }

    /// <summary>
    /// Runs the calls that waited for confirmation (spec §4.2 step 1): the user accepted them, or ran the conversation
    /// while they waited. A call whose tool is gone gets an error result instead.
    /// </summary>
    public static async Task RunPendingAsync(ConversationRunner conversation, AgentRuntime agent, IReadOnlyList<ActionEvent> pending,
        CancellationToken cancellationToken)
    {
        var calls = new List<GateCall>();
        var missing = new List<Event>();
        foreach (var action in pending)
        {
            if (ToolNames.Resolve(agent.Tools, action.ToolName) is { } tool)
                calls.Add(new GateCall(action, tool));
            else
                missing.Add(ActionGate.Failure(action, $"Tool '{action.ToolName}' is no longer available.", ErrorClassification.AgentOutcome));
        }
        if (missing.Count > 0)
            await conversation.AppendAsync(missing, null, CancellationToken.None);
        await ExecuteAsync(conversation, agent, ActionGate.Confirmed(calls), cancellationToken);
    }

    private static async Task ExecuteAsync(ConversationRunner conversation, AgentRuntime agent, IReadOnlyList<ClearedCall> cleared,
        CancellationToken cancellationToken)
    {
        var context = agent.ToolContext;
        if (agent.ToolConcurrencyLimit <= 1 || cleared.Count <= 1)
        {
            // One at a time: each result is recorded the moment it is known.
            foreach (var call in cleared)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = await ActionGate.ExecuteAsync(call, context, cancellationToken);
                await conversation.AppendAsync([result], FinishedIf([(call.Action, result)]), CancellationToken.None);
            }
            return;
        }
        var results = await RunConcurrentlyAsync(cleared, context, agent.ToolConcurrencyLimit, cancellationToken);
        await conversation.AppendAsync([.. results.Select(r => r.Result)], FinishedIf(results), CancellationToken.None);
    }

    /// <summary>
    /// Runs up to <paramref name="limit"/> calls at once, never two with the same concurrency key together, and
    /// returns the results in call order (so they are recorded in the order the model made the calls).
    /// </summary>
    private static async Task<(ActionEvent Action, Event Result)[]> RunConcurrentlyAsync(IReadOnlyList<ClearedCall> cleared,
        ToolContext context, int limit, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(limit);
        var keys = cleared.Select(c => c.Tool.ConcurrencyKey(c.Action.Action!)).Distinct(StringComparer.Ordinal)
            .ToDictionary(k => k, _ => new SemaphoreSlim(1, 1), StringComparer.Ordinal);
        try
        {
            return await Task.WhenAll(cleared.Select(async c =>
            {
                var key = keys[c.Tool.ConcurrencyKey(c.Action.Action!)];
                await slots.WaitAsync(cancellationToken);
                try
                {
                    await key.WaitAsync(cancellationToken);
                    try
                    {
                        return (c.Action, await ActionGate.ExecuteAsync(c, context, cancellationToken));
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

    private sealed record Parsed(ActionEvent Action, ITool? Tool, AgentErrorEvent? Error);

    private static Parsed Parse(IReadOnlyList<ITool> tools, ConversationState state, FunctionCallContent call, string thought, ReplyExtras extras, string responseId)
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
            return new Parsed(action, null, ActionGate.Failure(action, error, ErrorClassification.AgentOutcome));
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

        var (cleaned, summary, label) = StripMeta(arguments, tool);
        // The model's security_risk only matters when an analyzer reads it; then it must be a known level.
        if (label is null && state.SecurityAnalyzer is not null && !ActionGate.IsReadOnly(tool))
            return Invalid($"Error validating tool '{call.Name}': security_risk must be one of LOW, MEDIUM, HIGH or UNKNOWN.");
        try
        {
            var action = tool.Parse(cleaned);
            var risk = ActionGate.Assess(state, tool, action, label ?? SecurityRisk.Unknown, raw);
            return new Parsed(Action(action, risk, summary ?? $"{call.Name}: {raw}"), tool, null);
        }
        catch (ToolArgumentException ex)
        {
            var provided = string.Join(", ", cleaned.EnumerateObject().Select(p => $"'{p.Name}'"));
            return Invalid($"Error validating tool '{call.Name}': {ex.Message}. Parameters provided: [{provided}]");
        }
    }

    private static readonly string[] RiskSpellings = ["security_risk", "security_rort", "securtiy_risk", "security_riks"];

    /// <summary>
    /// Removes the fields Deckhand adds to every schema (<c>security_risk</c>, with the misspellings models produce, and
    /// <c>summary</c>) unless the tool has a parameter of that name, and null values, which models send for optional
    /// parameters they mean to leave out. The label is null when the model sent an invalid <c>security_risk</c>.
    /// </summary>
    private static (JsonElement Arguments, string? Summary, SecurityRisk? Label) StripMeta(JsonElement arguments, ITool tool)
    {
        string? summary = null;
        SecurityRisk? label = SecurityRisk.Unknown;
        var kept = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in arguments.EnumerateObject())
        {
            var own = HasParameter(tool, property.Name);
            if (property.Name == "summary" && property.Value.ValueKind == JsonValueKind.String)
                summary = property.Value.GetString();
            if (!own && RiskSpellings.Contains(property.Name) && property.Value.ValueKind != JsonValueKind.Null)
                label = ParseRisk(property.Value);
            if (property.Value.ValueKind == JsonValueKind.Null || !own && (property.Name == "summary" || RiskSpellings.Contains(property.Name)))
                continue;
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
        return (doc.RootElement.Clone(), summary, label);
    }

    private static SecurityRisk? ParseRisk(JsonElement value) =>
        value.ValueKind != JsonValueKind.String ? null : value.GetString()!.Trim().ToUpperInvariant() switch
        {
            "UNKNOWN" => SecurityRisk.Unknown,
            "LOW" => SecurityRisk.Low,
            "MEDIUM" => SecurityRisk.Medium,
            "HIGH" => SecurityRisk.High,
            _ => null,
        };

    private static bool HasParameter(ITool tool, string name) =>
        tool.Parameters.ValueKind == JsonValueKind.Object && tool.Parameters.TryGetProperty("properties", out var properties)
        && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out _);
}
