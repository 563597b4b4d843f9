using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;

namespace Deckhand.Engine.Agent.Condensers;

/// <summary>
/// Chooses which part of a view to forget: everything between a kept head (at least <c>keepFirst</c> events, always
/// the system prompt and the first user message) and a kept tail of <c>keptSuffix</c> events (spec §4.6). Both cuts
/// fall on boundaries between LLM turns ("manipulation indices"), so a tool call is never kept without its result or
/// the other way round, and the calls of one response stay together.
/// </summary>
internal static class ForgetRange
{
    public const int DefaultKeepFirst = 4;

    /// <returns>
    /// The half-open range [Start, End) to forget, or null when nothing, or less than <paramref name="minimumProgress"/>
    /// of the view, would be forgotten.
    /// </returns>
    public static (int Start, int End)? Choose(IReadOnlyList<Event> view, int keepFirst, int keptSuffix, double minimumProgress = 0)
    {
        var n = view.Count;
        var boundaries = Boundaries(view);
        var firstUser = -1;
        for (var i = 0; i < n && firstUser < 0; i++)
        {
            if (view[i] is MessageEvent { Source: EventSource.User } or MessageEvent { LlmMessage.Role: MessageRole.User })
                firstUser = i;
        }
        var minStart = Math.Max(keepFirst, firstUser + 1);
        // An earlier summary is folded into the new one, so the new forget range starts no later than it.
        var previousSummary = IndexOf(view, e => e is CondensationSummaryEvent);
        if (previousSummary >= 0)
            minStart = Math.Min(minStart, Math.Max(previousSummary, firstUser + 1));
        var start = Next(boundaries, minStart, n);
        if (start < 0)
            return null;
        var end = Next(boundaries, Math.Max(start + 1, n - Math.Max(0, keptSuffix)), n);
        if (end < 0 || end <= start)
            return null;
        var forgotten = end - start;
        if (forgotten < minimumProgress * n)
            return null;
        return (start, end);
    }

    /// <summary>b[i] is true when a cut before index i separates no call from its result and no batch of calls.</summary>
    internal static bool[] Boundaries(IReadOnlyList<Event> view)
    {
        var n = view.Count;
        var ok = new bool[n + 1];
        Array.Fill(ok, true);
        var actionAt = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            switch (view[i])
            {
                case ActionEvent a:
                    actionAt[a.ToolCallId] = i;
                    if (i > 0 && view[i - 1] is ActionEvent previous && previous.LlmResponseId == a.LlmResponseId)
                        ok[i] = false;
                    break;
                case ObservationEvent o:
                    Straddle(ok, actionAt, o.ToolCallId, i);
                    break;
                case AgentErrorEvent err:
                    Straddle(ok, actionAt, err.ToolCallId, i);
                    break;
                case UserRejectObservation r:
                    Straddle(ok, actionAt, r.ToolCallId, i);
                    break;
            }
        }
        return ok;
    }

    private static void Straddle(bool[] ok, Dictionary<string, int> actionAt, string callId, int resultIndex)
    {
        if (!actionAt.TryGetValue(callId, out var actionIndex))
            return;
        for (var cut = actionIndex + 1; cut <= resultIndex; cut++)
            ok[cut] = false;
    }

    private static int Next(bool[] boundaries, int from, int n)
    {
        for (var i = Math.Max(from, 1); i <= n; i++)
        {
            if (boundaries[i])
                return i;
        }
        return -1;
    }

    private static int IndexOf(IReadOnlyList<Event> view, Func<Event, bool> match)
    {
        for (var i = 0; i < view.Count; i++)
        {
            if (match(view[i]))
                return i;
        }
        return -1;
    }
}
