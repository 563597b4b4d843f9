namespace Deckhand.V0.Events;

/// <summary>
/// Which projected events a V0 client gets, and how: live forwarding and history replay differ (spec §3.3, §3.5, §7.2).
/// </summary>
public static class V0Delivery
{
    private static readonly HashSet<string> LiveEnvironmentObservations = ["run", "agent_state_changed", "recall", "error"];

    /// <summary>
    /// The event as sent live to the conversation's room, or null when it is not sent live. Agent and user events go as
    /// they are; of the environment's, only <c>run</c>, <c>agent_state_changed</c>, <c>recall</c> and <c>error</c>
    /// observations go, relabelled as the agent's.
    /// </summary>
    public static V0Event? Live(V0Event e)
    {
        if (e.Type == "null")
            return null;
        if (e.Source is "agent" or "user")
            return e;
        return e.Observation is { } type && LiveEnvironmentObservations.Contains(type) ? e with { Source = "agent" } : null;
    }

    /// <summary>
    /// History for a connecting client, in id order: events after <paramref name="latestEventId"/> with their stored
    /// source, without <c>null</c> and <c>recall</c> actions, and with only the last <c>agent_state_changed</c> (sent last).
    /// </summary>
    public static IEnumerable<V0Event> Replay(IEnumerable<V0Event> events, long latestEventId = -1)
    {
        V0Event? lastState = null;
        foreach (var e in events)
        {
            if (e.Id is not { } id || id <= latestEventId)
                continue;
            if (e.Type == "null" || e.Action == "recall")
                continue;
            if (e.Observation == "agent_state_changed")
            {
                lastState = e;
                continue;
            }
            yield return e;
        }
        if (lastState is not null)
            yield return lastState;
    }

    /// <summary>
    /// <c>latest_event_id</c> from the handshake query: an integer, or -1 when absent or not a number (the web app may
    /// send <c>undefined</c>).
    /// </summary>
    public static long ParseLatestEventId(string? value) =>
        long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : -1;
}
