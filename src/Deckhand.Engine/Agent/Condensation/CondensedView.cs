using Deckhand.Contracts.Events;

namespace Deckhand.Engine.Agent.Condensers;

/// <summary>
/// What the model sees of a history that may contain <see cref="Contracts.Events.Condensation"/> events: every
/// forgotten event is left out, the latest summary is put back as a <see cref="CondensationSummaryEvent"/> at its
/// offset, and the condensation markers themselves are dropped. The stored log is never changed.
/// </summary>
internal sealed record CondensedView(IReadOnlyList<Event> Events, int Version)
{
    public static CondensedView From(IReadOnlyList<Event> history)
    {
        var forgotten = new HashSet<string>(StringComparer.Ordinal);
        Contracts.Events.Condensation? latest = null;
        var version = 0;
        foreach (var e in history)
        {
            if (e is not Contracts.Events.Condensation c)
                continue;
            version++;
            forgotten.UnionWith(c.ForgottenEventIds);
            latest = c;
        }
        if (version == 0)
            return new CondensedView([.. history.Where(e => e is not CondensationRequest)], 0);

        var kept = history.Where(e => e is not (Contracts.Events.Condensation or CondensationRequest) && !forgotten.Contains(e.Id)).ToList();
        if (latest is { Summary: { } summary, SummaryOffset: { } offset })
        {
            kept.Insert(Math.Clamp(offset, 0, kept.Count), new CondensationSummaryEvent
            {
                Id = "summary-" + latest.Id,
                Timestamp = latest.Timestamp,
                Summary = summary,
            });
        }
        return new CondensedView(kept, version);
    }

    /// <summary>True when a condensation request came after the last condensation.</summary>
    public static bool RequestPending(IReadOnlyList<Event> history)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (history[i] is CondensationRequest)
                return true;
            if (history[i] is Contracts.Events.Condensation)
                return false;
        }
        return false;
    }

    /// <summary>True when nothing happened since the last condensation (a retry right after it).</summary>
    public static bool JustCondensed(IReadOnlyList<Event> history) =>
        history.Count > 0 && history[^1] is Contracts.Events.Condensation;
}
