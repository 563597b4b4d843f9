using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Events;

namespace Deckhand.Engine.Conversations;

/// <summary>
/// Hears about every conversation's commits, for features that follow all conversations at once (the agent-server's
/// webhooks). Unlike an <see cref="EventHub"/> subscriber it does not keep a conversation loaded. Every method is called
/// on the conversation's write path: implementations must return at once (queue the work, never wait) and must not
/// throw; the caller swallows and logs what they throw anyway, so an observer can never fail a run.
/// </summary>
public interface IConversationObserver
{
    /// <summary>A conversation was created (or forked); its history so far is in the store up to <see cref="ConversationRunner.HeadSeq"/>.</summary>
    void Created(ConversationRunner runner);

    /// <summary>A commit: the events it stored (possibly none, for a state-only change) and the snapshot before and after it.</summary>
    void Committed(ConversationRunner runner, IReadOnlyList<StoredEvent> events, ConversationSnapshot before, ConversationSnapshot after);

    /// <summary>A conversation is being deleted: its run has stopped; <paramref name="info"/> is its last info.</summary>
    void Deleting(ConversationInfo info);
}
