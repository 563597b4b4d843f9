using Deckhand.Contracts.Events;

namespace Deckhand.Engine.Agent;

/// <summary>Which events the model's view is built from.</summary>
internal static class History
{
    public static bool IsRelevant(Event e) => e is SystemPromptEvent or MessageEvent or ActionEvent or ObservationEvent
        or AgentErrorEvent or UserRejectObservation or Condensation or CondensationRequest;

    /// <summary>Actions that have no result yet (no observation, rejection or error for their call).</summary>
    public static IReadOnlyList<ActionEvent> Unmatched(IEnumerable<Event> events)
    {
        var actions = new List<ActionEvent>();
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e)
            {
                case ActionEvent a:
                    actions.Add(a);
                    break;
                case ObservationEvent o:
                    answered.Add(o.ToolCallId);
                    break;
                case UserRejectObservation r:
                    answered.Add(r.ToolCallId);
                    break;
                case AgentErrorEvent err:
                    answered.Add(err.ToolCallId);
                    break;
            }
        }
        return [.. actions.Where(a => !answered.Contains(a.ToolCallId))];
    }
}
