using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;

namespace Deckhand.V0.Events;

/// <summary>
/// Projects one conversation's Deckhand events into V0 events (spec §4), in log order. Feed it every event of the
/// conversation, stored or replayed, from the first: besides the ids (from <see cref="IV0EventIds"/>) it folds a little
/// state from earlier events: the latest usage stats (<c>llm_metrics</c> on agent actions), the last error (the
/// <c>reason</c> of an <c>error</c> agent state), which tool calls a model response made (<c>tool_call_metadata</c>).
/// Events with no V0 form give null and use no id. Not thread-safe: one projector per conversation, one caller at a time.
/// </summary>
public sealed partial class V0Projector(IV0EventIds ids, string? serverVersion = null)
{
    /// <summary>What <c>system</c> actions report as <c>openhands_version</c>.</summary>
    public string ServerVersion { get; } = serverVersion ?? DefaultVersion;

    private static readonly string DefaultVersion =
        typeof(V0Projector).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private ConversationStats? _stats;
    private string _lastError = "";
    private bool _lastAgentTurnWasReply;
    private bool _interrupted;
    private readonly Dictionary<string, ToolCallOrigin> _actions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _callsPerResponse = new(StringComparer.Ordinal);

    /// <summary>The V0 event for <paramref name="e"/>, or null when V0 has no such event.</summary>
    public V0Event? Project(Event e) => e switch
    {
        SystemPromptEvent s => SystemPrompt(s),
        MessageEvent m => Message(m),
        ActionEvent a => Action(a),
        ObservationEvent o => Observation(o),
        UserRejectObservation r => Rejected(r),
        AgentErrorEvent err => AgentError(err),
        ConversationErrorEvent err => ConversationError(err),
        ConversationStateUpdateEvent u => StateUpdate(u),
        PauseEvent p => ChangeAgentState(p, V0AgentStates.Paused),
        InterruptEvent i => Interrupted(i),
        CondensationRequest r => ActionOf(r, "condensation_request", [], "Requesting a condensation of the conversation history."),
        Condensation c => Condensation(c),
        CondensationSummaryEvent s => ObservationOf(s, "condense", s.Summary, [], s.Summary),
        // Model logs, token streams, hook runs and socket errors have no V0 counterpart.
        _ => null,
    };

    /// <summary>
    /// An <c>agent_state_changed</c> built outside the log: the state to show on connect when nothing was replayed, or the
    /// <c>stopped</c> broadcast when a conversation closes (no id, as upstream sends it).
    /// </summary>
    public static V0Event AgentStateChanged(string agentState, string reason = "", long? id = null, string? timestamp = null) => new()
    {
        Id = id,
        Timestamp = timestamp ?? V0Time.Format(Event.Now()),
        Source = "environment",
        Message = "",
        Observation = "agent_state_changed",
        Content = "",
        Extras = new JsonObject { ["agent_state"] = agentState, ["reason"] = reason },
    };

    private V0Event? StateUpdate(ConversationStateUpdateEvent u)
    {
        if (u.Key == "stats")
        {
            _stats = ReadStats(u.Value) ?? _stats;
            return null;
        }
        // A full_state snapshot is only broadcast, never stored: the app server sends the current state on connect itself.
        if (u.Key != "execution_status" || ReadStatus(u.Value) is not { } status)
            return null;
        // An interrupt (V0's stop button) ends paused in Deckhand; V0 calls that state stopped.
        var interrupted = _interrupted;
        _interrupted = false;
        if (V0AgentStates.From(status, _lastAgentTurnWasReply) is not { } state)
            return null;
        if (interrupted && status == ExecutionStatus.Paused)
            state = V0AgentStates.Stopped;
        var reason = status switch
        {
            ExecutionStatus.Error => _lastError,
            ExecutionStatus.Stuck => "The agent got stuck repeating itself and was stopped.",
            _ => "",
        };
        if (status == ExecutionStatus.Running)
            _lastError = "";
        return AgentStateChanged(state, reason, ids.Assign(u.Id), V0Time.Format(u.Timestamp));
    }

    /// <summary>An execution status, or null when it is not one this build knows (a newer or foreign server's).</summary>
    private static ExecutionStatus? ReadStatus(JsonElement value)
    {
        try
        {
            return value.ValueKind == JsonValueKind.String ? value.Deserialize(DeckhandJson.Compact.ExecutionStatus) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ConversationStats? ReadStats(JsonElement value)
    {
        try
        {
            return value.ValueKind == JsonValueKind.Object ? value.Deserialize(DeckhandJson.Compact.ConversationStats) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private V0Event ConversationError(ConversationErrorEvent err)
    {
        _lastError = err.Detail;
        return ObservationOf(err, "error", err.Detail, new JsonObject { ["error_id"] = err.Code }, err.Detail);
    }

    private V0Event Interrupted(InterruptEvent i)
    {
        _interrupted = true;
        return ChangeAgentState(i, V0AgentStates.Stopped);
    }

    private V0Event ChangeAgentState(Event e, string state) =>
        ActionOf(e, "change_agent_state", new JsonObject { ["agent_state"] = state, ["thought"] = "" }, $"Agent state changed to {state}");

    private V0Event Condensation(Condensation c)
    {
        var forgotten = c.ForgottenEventIds.Select(ids.Find).OfType<long>().ToList();
        var args = new JsonObject
        {
            ["forgotten_event_ids"] = new JsonArray([.. forgotten.Select(id => (JsonNode?)id)]),
            ["forgotten_events_start_id"] = null,
            ["forgotten_events_end_id"] = null,
            ["summary"] = c.Summary,
            ["summary_offset"] = c.SummaryOffset,
        };
        var message = c.Summary is not null
            ? $"Summary: {c.Summary}"
            : $"Condenser is dropping the events: [{string.Join(", ", forgotten.Select(f => f.ToString(CultureInfo.InvariantCulture)))}].";
        // The condenser works for the agent, so V0 records it as the agent's action.
        return ActionOf(c, "condensation", args, message) with { Source = "agent" };
    }

    private V0Event ActionOf(Event e, string type, JsonObject args, string message) => new()
    {
        Id = ids.Assign(e.Id),
        Timestamp = V0Time.Format(e.Timestamp),
        Source = SourceOf(e.Source),
        Message = message,
        Action = type,
        Args = args,
    };

    private V0Event ObservationOf(Event e, string type, string content, JsonObject extras, string message) => new()
    {
        Id = ids.Assign(e.Id),
        Timestamp = V0Time.Format(e.Timestamp),
        Source = SourceOf(e.Source),
        Message = message,
        Observation = type,
        Content = content,
        Extras = extras,
    };

    private static string SourceOf(EventSource source) => source switch
    {
        EventSource.Agent => "agent",
        EventSource.User => "user",
        _ => "environment",
    };

    private static int SecurityRisk(Contracts.Tools.SecurityRisk risk) => risk switch
    {
        Contracts.Tools.SecurityRisk.Low => 0,
        Contracts.Tools.SecurityRisk.Medium => 1,
        Contracts.Tools.SecurityRisk.High => 2,
        _ => -1,
    };

    /// <summary>What an observation needs to know about the tool call it answers.</summary>
    private sealed record ToolCallOrigin(string ResponseId);
}
