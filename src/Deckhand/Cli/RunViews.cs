using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Cli;

internal interface IRunView
{
    void Show(Event e);

    void Done(ConversationSnapshot snapshot, Guid conversationId);
}

/// <summary>One event per line, exactly as the agent-server's sockets send them.</summary>
internal sealed class JsonLinesView(TextWriter output) : IRunView
{
    public void Show(Event e)
    {
        output.WriteLine(JsonSerializer.Serialize(e, DeckhandJson.Compact.Event));
        output.Flush();
    }

    public void Done(ConversationSnapshot snapshot, Guid conversationId)
    {
    }
}

/// <summary>A short line per step for a person watching a terminal.</summary>
internal sealed class ReadableView(TextWriter output) : IRunView
{
    private const int MaxLine = 400;

    public void Show(Event e)
    {
        var line = e switch
        {
            MessageEvent { Source: EventSource.User } m => $"> {m.LlmMessage.Text()}",
            MessageEvent { Source: EventSource.Agent } m => $"agent: {m.LlmMessage.Text()}",
            MessageEvent m => $"note: {m.LlmMessage.Text()}",
            ActionEvent { Action: FinishAction f } => $"finish: {f.Message}",
            ActionEvent { Action: ThinkAction t } => $"think: {t.Thought}",
            ActionEvent a => $"{a.ToolName}: {a.Summary ?? a.ToolCall.Arguments}",
            ObservationEvent { Observation: FinishObservation or ThinkObservation } => null,
            ObservationEvent o => $"  = {o.Observation.Text()}",
            AgentErrorEvent err => $"  ! {err.Error}",
            ConversationErrorEvent err => $"error ({err.Code}): {err.Detail}",
            ConversationStateUpdateEvent { Key: "execution_status" } s => $"[{s.Value}]",
            PauseEvent => "[paused]",
            InterruptEvent => "[interrupted]",
            _ => null,
        };
        if (line is null)
            return;
        output.WriteLine(line.Length > MaxLine ? line[..MaxLine] + "…" : line);
        output.Flush();
    }

    public void Done(ConversationSnapshot snapshot, Guid conversationId) =>
        output.WriteLine($"-- {snapshot.State.ExecutionStatus.Wire()} (conversation {conversationId})");
}
