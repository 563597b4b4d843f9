using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Events;

namespace Deckhand.Engine.Storage;

/// <summary>
/// The durable home of conversations: one append-only event log per conversation plus a state snapshot row that is
/// written in the same transaction as the events that changed it. Appends are serialized by the caller (one runner per
/// conversation); the store checks that each append continues the log without a gap.
/// </summary>
public interface IConversationStore : IDisposable
{
    /// <summary>What the store is ("sqlite"), for /server_info.</summary>
    string Kind { get; }

    /// <summary>Creates a conversation with its first snapshot. Returns false when the id already exists.</summary>
    bool Create(ConversationSnapshot snapshot);

    /// <summary>
    /// Appends events starting at <paramref name="firstSeq"/> and, when given, replaces the snapshot; one transaction.
    /// Events are stored as their wire JSON (<see cref="StoredEvent.Utf8Json"/> when set): events carry no secrets.
    /// </summary>
    void Append(Guid conversationId, long firstSeq, IReadOnlyList<StoredEvent> events, ConversationSnapshot? snapshot);

    void SaveSnapshot(Guid conversationId, ConversationSnapshot snapshot);

    /// <summary>The snapshot and the seq of the last stored event, or null when unknown.</summary>
    (ConversationSnapshot Snapshot, long HeadSeq)? Load(Guid conversationId);

    bool Delete(Guid conversationId);

    /// <summary>Events with seq in (afterSeq, upToSeq], oldest first, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<StoredEvent> ReadEvents(Guid conversationId, long afterSeq, int limit, long upToSeq = long.MaxValue);

    /// <summary>Like <see cref="ReadEvents"/> but returns the stored wire JSON without deserializing it.</summary>
    IReadOnlyList<RawEvent> ReadRawEvents(Guid conversationId, long afterSeq, int limit);

    StoredEvent? GetEvent(Guid conversationId, string eventId);

    EventSearchResult SearchEvents(Guid conversationId, EventQuery query);

    long CountEvents(Guid conversationId, EventFilter filter);

    ConversationSearchResult SearchConversations(ConversationQuery query);

    long CountConversations(ExecutionStatus? status);

    /// <summary>
    /// Creates <paramref name="fork"/> with a copy of <paramref name="sourceId"/>'s events with seq 1 to
    /// <paramref name="upToSeq"/> (same ids and seqs), followed by <paramref name="extra"/>; one transaction.
    /// Returns false when the fork's id already exists.
    /// </summary>
    bool CreateFork(Guid sourceId, long upToSeq, ConversationSnapshot fork, IReadOnlyList<StoredEvent> extra);

    /// <summary>Ids of the conversations created with <paramref name="parentId"/> as their parent, oldest first.</summary>
    IReadOnlyList<Guid> ListChildren(Guid parentId);

    /// <summary>Ids of conversations whose stored status is <paramref name="status"/> (used for crash recovery).</summary>
    IReadOnlyList<Guid> ListByStatus(ExecutionStatus status);
}
