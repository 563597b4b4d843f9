using System.Runtime.CompilerServices;
using System.Text.Json;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Storage;

namespace Deckhand.Engine.Events;

/// <summary>Where a subscriber's replay starts.</summary>
public abstract record ResumePoint
{
    /// <summary>No history: live events only.</summary>
    public sealed record LiveOnly : ResumePoint;

    /// <summary>Everything strictly after this seq (0 = the whole log).</summary>
    public sealed record AfterSeq(long Seq) : ResumePoint;

    /// <summary>Every event whose timestamp is at or after this naive local ISO time (OpenHands' <c>since</c>).</summary>
    public sealed record SinceTimestamp(string Timestamp) : ResumePoint;

    /// <summary>Everything strictly after the event with this id.</summary>
    public sealed record AfterEventId(string EventId) : ResumePoint;
}

/// <summary>
/// Gives a subscriber a conversation's events with no gap and no duplicate: subscribe first, replay from the store up
/// to the live head, then relay live events, skipping any seq already sent. Transient events (full-state snapshots)
/// pass through as they come.
/// </summary>
public static class EventStream
{
    private const int PageSize = 500;

    /// <summary>Resolves a resume point to the seq to replay after; null when an <c>after_event_id</c> is unknown.</summary>
    public static long? StartSeq(IConversationStore store, ConversationRunner runner, ResumePoint resume) => resume switch
    {
        ResumePoint.AfterSeq after => after.Seq,
        ResumePoint.AfterEventId after => store.GetEvent(runner.Id, after.EventId)?.Seq,
        ResumePoint.SinceTimestamp since => store.SearchEvents(runner.Id, new EventQuery
        {
            Filter = new EventFilter { TimestampGte = since.Timestamp },
            Limit = 1,
        }).Items.FirstOrDefault()?.Seq - 1 ?? runner.HeadSeq,
        _ => runner.HeadSeq,
    };

    /// <summary>
    /// As <see cref="ReplayThenLiveAsync"/>, but yields each event's wire JSON: the replay streams the stored bytes
    /// without deserializing them, and live events reuse the bytes serialized once when they were appended.
    /// </summary>
    public static async IAsyncEnumerable<byte[]> ReplayJsonThenLiveAsync(IConversationStore store, Guid conversationId,
        EventSubscription subscription, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = afterSeq;
        while (true)
        {
            var page = store.ReadRawEvents(conversationId, last, PageSize);
            foreach (var raw in page)
            {
                yield return raw.Utf8Json;
                last = raw.Seq;
            }
            if (page.Count < PageSize)
                break;
            cancellationToken.ThrowIfCancellationRequested();
        }
        await foreach (var stored in LiveAsync(subscription, last, cancellationToken))
            yield return stored.Utf8Json ?? JsonSerializer.SerializeToUtf8Bytes(stored.Event, DeckhandJson.Compact.Event);
    }

    /// <summary>
    /// Replays stored events after <paramref name="afterSeq"/> and then follows <paramref name="subscription"/>
    /// (which must have been taken before this call) until it completes or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public static async IAsyncEnumerable<StoredEvent> ReplayThenLiveAsync(IConversationStore store, Guid conversationId,
        EventSubscription subscription, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = afterSeq;
        while (true)
        {
            var page = store.ReadEvents(conversationId, last, PageSize);
            foreach (var stored in page)
            {
                yield return stored;
                last = stored.Seq;
            }
            if (page.Count < PageSize)
                break;
        }
        await foreach (var stored in LiveAsync(subscription, last, cancellationToken))
            yield return stored;
    }

    /// <summary>Live events after <paramref name="last"/> (dropping what the replay already sent); transient ones always.</summary>
    private static async IAsyncEnumerable<StoredEvent> LiveAsync(EventSubscription subscription, long last,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = subscription.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            while (reader.TryRead(out var stored))
            {
                if (stored.IsTransient)
                {
                    yield return stored;
                    continue;
                }
                if (stored.Seq <= last)
                    continue;
                last = stored.Seq;
                yield return stored;
            }
        }
        await reader.Completion; // rethrows SubscriberOverflowException for a subscriber that fell behind
    }
}
