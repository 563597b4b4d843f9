using Deckhand.AppServer.Events;
using Deckhand.Contracts.Events;
using Deckhand.V0.Events;
using Deckhand.V0.SocketIo;

namespace Deckhand.V0.Sockets;

/// <summary>
/// One V0 conversation while it has sockets: a single <see cref="V0Projection"/> of its event copy, fed by the
/// <see cref="LiveEventFeed"/> (subscribed before the history was loaded, so nothing falls between the two), whose
/// events go live to <c>room:&lt;hex&gt;</c>. Sockets attach under the same gate the feed is projected under: a new
/// socket's replay ends exactly where the live events it will get begin. A <see cref="V0AgentFollower"/> reads the
/// sandbox's own event socket meanwhile, so live events do not wait for the webhook flush.
/// </summary>
public sealed partial class V0ConversationRoom : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConversationEventStore _store;
    private readonly V0Rooms _rooms;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<V0Event> _events = [];
    private LiveEventSubscription? _subscription;
    private readonly V0Projection _projection = new();
    private long _lastSeq;
    private Task _pump = Task.CompletedTask;
    private Task _follower = Task.CompletedTask;

    internal V0ConversationRoom(Guid conversationId, ConversationEventStore store, V0Rooms rooms, ILogger logger)
    {
        ConversationId = conversationId;
        _store = store;
        _rooms = rooms;
        _logger = logger;
    }

    public Guid ConversationId { get; }

    /// <summary>Sockets holding the room (managed by <see cref="V0ConversationRooms"/> under its lock).</summary>
    internal int References { get; set; }

    /// <summary>Completes once the history is loaded and live events flow.</summary>
    internal Task Ready { get; private set; } = Task.CompletedTask;

    /// <summary>The last <c>agent_state_changed</c> of the conversation, if any.</summary>
    public V0Event? LastAgentState { get; private set; }

    internal void Start(LiveEventFeed feed, Func<CancellationToken, Task>? follower)
    {
        Ready = StartAsync(feed, follower);
    }

    private async Task StartAsync(LiveEventFeed feed, Func<CancellationToken, Task>? follower)
    {
        // Subscribe first, then load: every event is either in the history or in the subscription (or both; dropped by seq).
        _subscription = feed.Subscribe(ConversationId);
        await _gate.WaitAsync(_stop.Token);
        try
        {
            await CatchUpLockedAsync(long.MaxValue, _stop.Token);
        }
        finally
        {
            _gate.Release();
        }
        _pump = Task.Run(() => PumpAsync(_subscription, _stop.Token));
        if (follower is not null)
            _follower = Task.Run(() => follower(_stop.Token));
    }

    /// <summary>
    /// Replays the history after <paramref name="latestEventId"/> to <paramref name="socket"/> and joins it to the room,
    /// atomically with respect to live events; the last <c>agent_state_changed</c> goes last even when it is not newer than
    /// <paramref name="latestEventId"/>. Returns whether the socket got an agent state.
    /// </summary>
    public async Task<bool> AttachAsync(SocketIoSocket socket, long latestEventId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var sentState = false;
            foreach (var e in V0Delivery.Replay(_events, latestEventId))
            {
                socket.Emit("oh_event", e.ToUtf8Json());
                sentState = e.Observation == "agent_state_changed";
            }
            // A reconnect after the last state change gets that state again: the client's input only works once it
            // knows one, and a page that reconnects after a stop and start may have lost it.
            if (!sentState && LastAgentState is { } last)
            {
                socket.Emit("oh_event", last.ToUtf8Json());
                sentState = true;
            }
            socket.Join(V0Rooms.Room(ConversationId));
            return sentState;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sends <paramref name="state"/> to the socket unless an <c>agent_state_changed</c> reached the room meanwhile (that
    /// one is newer and the socket has it).
    /// </summary>
    public async Task SendStateIfNoneAsync(SocketIoSocket socket, V0Event state, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (LastAgentState is null)
                socket.Emit("oh_event", state.ToUtf8Json());
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The highest V0 id handed out so far (-1 before any).</summary>
    public long LastId
    {
        get
        {
            lock (_events)
                return _events.Count == 0 ? -1 : _events[^1].Id ?? -1;
        }
    }

    private async Task PumpAsync(LiveEventSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            while (await subscription.Reader.WaitToReadAsync(cancellationToken))
            {
                await _gate.WaitAsync(cancellationToken);
                try
                {
                    while (subscription.Reader.TryRead(out var copy))
                    {
                        if (copy.Seq <= _lastSeq)
                            continue;
                        if (copy.Seq > _lastSeq + 1)
                            await CatchUpLockedAsync(copy.Seq - 1, cancellationToken);
                        Add(copy.Seq, copy.Event.Json, live: true);
                    }
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogPumpFailed(_logger, ConversationId, ex);
        }
    }

    /// <summary>Adds stored events after the last one seen, up to <paramref name="untilSeq"/>; under the gate.</summary>
    private async Task CatchUpLockedAsync(long untilSeq, CancellationToken cancellationToken)
    {
        var live = _lastSeq > 0 || untilSeq != long.MaxValue;
        foreach (var (seq, json) in await _store.ReadAfterAsync(ConversationId, _lastSeq, cancellationToken))
        {
            if (seq > untilSeq)
                break;
            Add(seq, json, live);
        }
    }

    private void Add(long seq, string json, bool live)
    {
        _lastSeq = seq;
        if (V0History.Parse(json) is not { } e)
            return;
        if (seq <= _projection.LastSeq)
            return;
        if (_projection.Add(seq, e) is not { } v0)
            return;
        lock (_events)
            _events.Add(v0);
        if (v0.Observation == "agent_state_changed")
            LastAgentState = v0;
        if (!live)
            return;
        if (V0Delivery.Live(v0) is { } sent)
            _rooms.Emit(ConversationId, sent.ToUtf8Json());
        if (e is ConversationErrorEvent error)
            _rooms.Emit(ConversationId, V0Payloads.StatusUpdate(error));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _subscription?.Dispose();
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _follower.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Ready.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The V0 room of conversation {ConversationId} stopped projecting events.")]
    private static partial void LogPumpFailed(ILogger logger, Guid conversationId, Exception exception);
}
