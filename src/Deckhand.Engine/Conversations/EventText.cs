using Deckhand.Contracts.Events;

namespace Deckhand.Engine.Conversations;

/// <summary>A short text of an event for Trace logs (already masked: it is taken from appended events).</summary>
internal static class EventText
{
    private const int MaxChars = 2000;

    public static string Of(Event e)
    {
        var text = e switch
        {
            MessageEvent m => string.Join("\n", [m.LlmMessage.Text(), .. m.ExtendedContent.Select(c => c.Text)]),
            ActionEvent a => $"{a.ToolName} {a.ToolCall.Arguments}",
            ObservationEvent o => o.Observation.Text(),
            AgentErrorEvent err => err.Error,
            ConversationErrorEvent err => $"{err.Code}: {err.Detail}",
            ConversationStateUpdateEvent u => u.Key,
            _ => "",
        };
        return text.Length <= MaxChars ? text : text[..MaxChars] + "…";
    }
}
