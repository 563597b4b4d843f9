using System.Collections.Immutable;
using System.Threading.Channels;

namespace Deckhand.Engine.Events;

/// <summary>
/// Fans a conversation's events out to its live subscribers. <see cref="Publish"/> is called by the conversation's
/// single writer after the events are committed, in seq order, and never blocks: each subscriber has its own bounded
/// queue, and one that falls too far behind is cut off (it can resume from the store without loss).
/// </summary>
public sealed class EventHub
{
    public const int DefaultMaxSubscribers = 50;
    public const int DefaultQueueCapacity = 20_000;

    private readonly Lock _lock = new();
    private readonly int _maxSubscribers;
    private ImmutableArray<EventSubscription> _subscribers = [];

    public EventHub(int maxSubscribers = DefaultMaxSubscribers) => _maxSubscribers = maxSubscribers;

    public int Count => _subscribers.Length;

    /// <summary>Adds a subscriber, or returns null when the conversation already has the maximum.</summary>
    public EventSubscription? Subscribe(int capacity = DefaultQueueCapacity)
    {
        lock (_lock)
        {
            if (_subscribers.Length >= _maxSubscribers)
                return null;
            var subscription = new EventSubscription(this, capacity);
            _subscribers = _subscribers.Add(subscription);
            return subscription;
        }
    }

    public void Publish(StoredEvent stored)
    {
        foreach (var subscriber in _subscribers)
            subscriber.Offer(stored);
    }

    public void Publish(IReadOnlyList<StoredEvent> events)
    {
        var subscribers = _subscribers;
        if (subscribers.IsEmpty)
            return;
        foreach (var stored in events)
        {
            foreach (var subscriber in subscribers)
                subscriber.Offer(stored);
        }
    }

    /// <summary>Ends every subscription (conversation deleted or server stopping).</summary>
    public void CompleteAll()
    {
        ImmutableArray<EventSubscription> subscribers;
        lock (_lock)
        {
            subscribers = _subscribers;
            _subscribers = [];
        }
        foreach (var subscriber in subscribers)
            subscriber.Complete(null);
    }

    internal void Remove(EventSubscription subscription)
    {
        lock (_lock)
            _subscribers = _subscribers.Remove(subscription);
    }
}

/// <summary>One subscriber's queue. Dispose to unsubscribe.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly EventHub _hub;
    private readonly Channel<StoredEvent> _channel;

    internal EventSubscription(EventHub hub, int capacity)
    {
        _hub = hub;
        _channel = Channel.CreateBounded<StoredEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<StoredEvent> Reader => _channel.Reader;

    /// <summary>True when this subscriber fell too far behind and was cut off.</summary>
    public bool Overflowed { get; private set; }

    internal void Offer(StoredEvent stored)
    {
        if (!_channel.Writer.TryWrite(stored) && !Overflowed)
        {
            Overflowed = true;
            Complete(new SubscriberOverflowException());
        }
    }

    internal void Complete(Exception? error)
    {
        _channel.Writer.TryComplete(error);
        _hub.Remove(this);
    }

    public void Dispose() => Complete(null);
}

public sealed class SubscriberOverflowException() : Exception("The subscriber fell too far behind the event stream.");
