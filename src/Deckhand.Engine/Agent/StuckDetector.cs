using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;

namespace Deckhand.Engine.Agent;

/// <summary>What the loop check found before a step: why the agent is stuck, and/or a one-time warning to send it.</summary>
internal sealed record StuckVerdict(string? Reason, MessageEvent? Nudge)
{
    public static StuckVerdict None { get; } = new(null, null);

    public bool IsStuck => Reason is not null;
}

/// <summary>
/// Spots an agent going round in circles (spec §4.5), so the run stops instead of burning tokens. It reads the last
/// <see cref="Window"/> events of the model's history (only those after the last user message, when there is one) for:
/// the same call with the same result 4 times; the same call failing the same way (a warning at 3, stuck beyond);
/// 3 agent messages in a row without a tool call; and two calls alternating with their results 6 times each.
/// Events are compared without their ids: calls by source, thought, action and tool; results by source, observation
/// and tool; errors by source and text; messages by source and message.
/// </summary>
internal static class StuckDetector
{
    public const int Window = 20;
    public const int ActionObservation = 4;
    public const int ActionError = 3;
    public const int Monologue = 3;
    public const int Alternating = 6;

    private const string NudgeStart = "Note: you have called `";

    public static StuckVerdict Check(IReadOnlyList<Event> history)
    {
        var window = history.Skip(Math.Max(0, history.Count - Window)).ToList();
        var lastUser = window.FindLastIndex(e => e is MessageEvent { Source: EventSource.User });
        var events = lastUser >= 0 ? window.Skip(lastUser + 1).ToList() : window;
        if (events.Count < Math.Min(ActionObservation, Math.Min(ActionError, Monologue)))
            return StuckVerdict.None;

        var actions = new List<ActionEvent>();
        var results = new List<Event>();
        for (var i = events.Count - 1; i >= 0 && (actions.Count < ActionObservation || results.Count < ActionObservation); i--)
        {
            switch (events[i])
            {
                case ActionEvent a when actions.Count < ActionObservation:
                    actions.Add(a);
                    break;
                case ObservationEvent or AgentErrorEvent or UserRejectObservation when results.Count < ActionObservation:
                    results.Add(events[i]);
                    break;
            }
        }

        if (actions.Count >= ActionObservation && results.Count >= ActionObservation
            && actions.All(a => Same(a, actions[0])) && results.All(r => Same(r, results[0])))
        {
            return new($"The agent made the same `{actions[0].ToolName}` call {ActionObservation} times in a row and got the same result each time.", null);
        }

        var streak = ErrorStreak(actions, results);
        if (streak > ActionError)
        {
            return new($"The agent made the same `{actions[0].ToolName}` call {streak} times in a row and it failed the same way each time, "
                + "even after being told so.", null);
        }
        if (streak == ActionError && !NudgedAfter(events, results[0]))
            return new(null, Nudge(actions[0].ToolName, ((AgentErrorEvent)results[0]).Error));

        if (MonologueLength(events) >= Monologue)
            return new($"The agent sent {Monologue} messages in a row without calling a tool or finishing.", null);

        if (events.Count >= Alternating && IsAlternating(events))
            return new($"The agent kept alternating between the same two calls ({Alternating} calls) with the same results.", null);

        return StuckVerdict.None;
    }

    /// <summary>How many of the latest calls repeat the latest one and failed with the same error.</summary>
    private static int ErrorStreak(List<ActionEvent> actions, List<Event> results)
    {
        if (results.Count == 0 || results[0] is not AgentErrorEvent)
            return 0;
        var n = 0;
        while (n < actions.Count && n < results.Count && Same(actions[n], actions[0]) && Same(results[n], results[0]))
            n++;
        return n;
    }

    private static bool NudgedAfter(List<Event> events, Event error)
    {
        var at = events.IndexOf(error);
        return events.Skip(at + 1).Any(e => e is MessageEvent { Source: EventSource.Environment } m
            && m.LlmMessage.Text().StartsWith(NudgeStart, StringComparison.Ordinal));
    }

    private static MessageEvent Nudge(string tool, string error) => new()
    {
        Source = EventSource.Environment,
        LlmMessage = new Message
        {
            Role = MessageRole.User,
            Content = [new TextContent(
                $"{NudgeStart}{tool}` {ActionError} times in a row with identical arguments, and it failed with the same error each time: {error}\n"
                + "Calling it the same way again will fail again. Read the error, then change the arguments or try another approach.")],
        },
    };

    private static int MonologueLength(List<Event> events)
    {
        var count = 0;
        for (var i = events.Count - 1; i >= 0; i--)
        {
            switch (events[i])
            {
                case MessageEvent { Source: EventSource.Agent }:
                    count++;
                    break;
                case MessageEvent { Source: EventSource.User }:
                    return count;
                case MessageEvent or CondensationSummaryEvent:
                    break; // the loop's own nudges and summaries do not interrupt a monologue
                default:
                    return count;
            }
        }
        return count;
    }

    private static bool IsAlternating(List<Event> events)
    {
        var actions = new List<Event>();
        var results = new List<Event>();
        for (var i = events.Count - 1; i >= 0 && (actions.Count < Alternating || results.Count < Alternating); i--)
        {
            if (events[i] is ActionEvent && actions.Count < Alternating)
                actions.Add(events[i]);
            else if (events[i] is ObservationEvent or AgentErrorEvent && results.Count < Alternating)
                results.Add(events[i]);
        }
        if (actions.Count < Alternating || results.Count < Alternating)
            return false;
        for (var i = 0; i < Alternating - 2; i++)
        {
            if (!Same(actions[i], actions[i + 2]) || !Same(results[i], results[i + 2]))
                return false;
        }
        return true;
    }

    /// <summary>Equal for the loop check: the same content, whatever the ids, call ids and timestamps.</summary>
    internal static bool Same(Event a, Event b) => (a, b) switch
    {
        (ActionEvent x, ActionEvent y) => x.Source == y.Source && x.ToolName == y.ToolName
            && x.Thought.Select(t => t.Text).SequenceEqual(y.Thought.Select(t => t.Text))
            && Json(x.Action, DeckhandJson.Storage.ToolAction) == Json(y.Action, DeckhandJson.Storage.ToolAction),
        (ObservationEvent x, ObservationEvent y) => x.Source == y.Source && x.ToolName == y.ToolName
            && Json(x.Observation, DeckhandJson.Storage.ToolObservation) == Json(y.Observation, DeckhandJson.Storage.ToolObservation),
        (AgentErrorEvent x, AgentErrorEvent y) => x.Source == y.Source && x.Error == y.Error,
        (UserRejectObservation x, UserRejectObservation y) => x.ToolName == y.ToolName && x.RejectionReason == y.RejectionReason,
        (MessageEvent x, MessageEvent y) => x.Source == y.Source
            && Json(x.LlmMessage, DeckhandJson.Storage.Message) == Json(y.LlmMessage, DeckhandJson.Storage.Message),
        _ => false,
    };

    private static string Json<T>(T? value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        value is null ? "null" : JsonSerializer.Serialize(value, info);
}
