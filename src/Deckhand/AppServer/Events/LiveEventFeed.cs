using System.Threading.Channels;

namespace Deckhand.AppServer.Events;

/// <summary>
/// Newly stored events of each conversation, published in <c>seq</c> order (by <see cref="EventIngest"/>, under the
/// store's append lock) to whoever follows that conversation right now. Publishing never waits: each subscription has
/// its own unbounded queue, drained by its owner.
/// </summary>
public sealed class LiveEventFeed
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, List<LiveEventSubscription>> _subscribers = [];

    /// <summary>Follows <paramref name="conversationId"/> from now on; dispose to stop.</summary>
    public LiveEventSubscription Subscribe(Guid conversationId)
    {
        var subscription = new LiveEventSubscription(this, conversationId);
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(conversationId, out var list))
                _subscribers[conversationId] = list = [];
            list.Add(subscription);
        }
        return subscription;
    }

    /// <summary>How many subscriptions follow the conversation (tests, diagnostics).</summary>
    public int SubscriberCount(Guid conversationId)
    {
        lock (_lock)
            return _subscribers.TryGetValue(conversationId, out var list) ? list.Count : 0;
    }

    /// <summary>Hands the just-stored events to every subscription of the conversation. Never blocks or throws.</summary>
    public void Publish(Guid conversationId, IReadOnlyList<StoredCopy> events)
    {
        LiveEventSubscription[] targets;
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(conversationId, out var list) || list.Count == 0)
                return;
            targets = [.. list];
        }
        foreach (var subscription in targets)
        {
            foreach (var e in events)
                subscription.Writer.TryWrite(e);
        }
    }

    internal void Remove(LiveEventSubscription subscription)
    {
        lock (_lock)
        {
            if (_subscribers.TryGetValue(subscription.ConversationId, out var list) && list.Remove(subscription) && list.Count == 0)
                _subscribers.Remove(subscription.ConversationId);
        }
    }
}

/// <summary>One follower of a conversation's newly stored events, in <c>seq</c> order.</summary>
public sealed class LiveEventSubscription : IDisposable
{
    private readonly LiveEventFeed _feed;
    private readonly Channel<StoredCopy> _channel = Channel.CreateUnbounded<StoredCopy>(new UnboundedChannelOptions { SingleReader = true });

    internal LiveEventSubscription(LiveEventFeed feed, Guid conversationId)
    {
        _feed = feed;
        ConversationId = conversationId;
    }

    public Guid ConversationId { get; }

    public ChannelReader<StoredCopy> Reader => _channel.Reader;

    internal ChannelWriter<StoredCopy> Writer => _channel.Writer;

    public void Dispose()
    {
        _feed.Remove(this);
        _channel.Writer.TryComplete();
    }
}
