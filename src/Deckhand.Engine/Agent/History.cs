using Deckhand.Contracts.Events;

namespace Deckhand.Engine.Agent;

/// <summary>Which events the model's view is built from.</summary>
internal static class History
{
    public static bool IsRelevant(Event e) => e is SystemPromptEvent or MessageEvent or ActionEvent or ObservationEvent
        or AgentErrorEvent or UserRejectObservation or Condensation or CondensationRequest;

    /// <summary>
    /// Actions that have no result yet (no observation, rejection or error for them), in log order. Observations and
    /// rejections name their action; an error names only the call id, so it closes the latest open action with that
    /// id (some models reuse call ids across responses).
    /// </summary>
    public static IReadOnlyList<ActionEvent> Unmatched(IEnumerable<Event> events)
    {
        var open = new List<ActionEvent>();
        void Close(string? actionId, string toolCallId)
        {
            var at = actionId is null ? -1 : open.FindIndex(a => a.Id == actionId);
            if (at < 0)
                at = open.FindLastIndex(a => a.ToolCallId == toolCallId);
            if (at >= 0)
                open.RemoveAt(at);
        }
        foreach (var e in events)
        {
            switch (e)
            {
                case ActionEvent a:
                    open.Add(a);
                    break;
                case ObservationEvent o:
                    Close(o.ActionId, o.ToolCallId);
                    break;
                case UserRejectObservation r:
                    Close(r.ActionId, r.ToolCallId);
                    break;
                case AgentErrorEvent err:
                    Close(null, err.ToolCallId);
                    break;
            }
        }
        return open;
    }
}
