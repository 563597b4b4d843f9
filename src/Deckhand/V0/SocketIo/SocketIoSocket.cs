using System.Text;
using System.Threading.Channels;

namespace Deckhand.V0.SocketIo;

/// <summary>
/// One client connected to namespace <c>/</c>. Emitting never blocks: frames go to a bounded per-socket queue that a
/// writer drains; a socket whose queue overflows is disconnected instead of slowing anyone else down. Thread-safe.
/// </summary>
public sealed class SocketIoSocket
{
    private readonly Channel<OutgoingFrame> _outgoing = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _sendQueueLimit;
    private int _queued;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _rooms = [];
    private List<byte[]>? _beforeAck = [];
    private string? _closeReason;
    private readonly CancellationTokenSource _closed = new();

    internal SocketIoSocket(SocketIoServer server, string id, SocketIoHandshake handshake, int sendQueueLimit)
    {
        Server = server;
        Id = id;
        Handshake = handshake;
        _sendQueueLimit = sendQueueLimit;
    }

    /// <summary>The Socket.IO session id sent in <c>40{"sid":..}</c>.</summary>
    public string Id { get; }

    public SocketIoServer Server { get; }

    public SocketIoHandshake Handshake { get; }

    /// <summary>Free for the handler (e.g. the conversation this socket follows).</summary>
    public object? State { get; set; }

    /// <summary>True from the accepted connect until the socket closes.</summary>
    public bool IsConnected => Accepted && !_closed.IsCancellationRequested;

    /// <summary>Cancelled when the socket closes.</summary>
    public CancellationToken Closed => _closed.Token;

    public IReadOnlyCollection<string> Rooms
    {
        get
        {
            lock (_lock)
                return [.. _rooms];
        }
    }

    internal bool Accepted { get; private set; }

    internal ChannelReader<OutgoingFrame> Outgoing => _outgoing.Reader;

    internal string? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Pongs received; tests use it to see heartbeats happen.</summary>
    internal int PongCount;

    public void Join(string room) => Server.Join(this, room);

    public void Leave(string room) => Server.Leave(this, room);

    /// <summary>Queues <c>42["eventName",argument]</c>; <paramref name="utf8JsonArgument"/> must be one JSON value (or empty for none).</summary>
    /// <returns>False when the socket is closed or was just disconnected for falling too far behind.</returns>
    public bool Emit(string eventName, ReadOnlySpan<byte> utf8JsonArgument) => EnqueueMessage(SocketIoPackets.Event(eventName, utf8JsonArgument));

    public bool Emit(string eventName, string json) => Emit(eventName, Encoding.UTF8.GetBytes(json));

    /// <summary>Server-initiated disconnect: sends <c>41</c>, then closes the connection.</summary>
    public void Disconnect() => Close("server namespace disconnect", SocketIoPackets.Disconnect);

    internal bool EnqueueMessage(byte[] frame)
    {
        lock (_lock)
        {
            if (_beforeAck is not null)
            {
                if (!_closed.IsCancellationRequested)
                    _beforeAck.Add(frame);
                return !_closed.IsCancellationRequested;
            }
        }
        return Enqueue(frame);
    }

    /// <summary>
    /// Writes a frame behind everything queued. Past the queue limit the socket is disconnected, except for
    /// <paramref name="unbounded"/> frames (what the handler emitted before the connect ack, e.g. a long replay).
    /// </summary>
    internal bool Enqueue(byte[] frame, bool closeAfter = false, bool unbounded = false)
    {
        if (_closed.IsCancellationRequested)
            return false;
        if (Interlocked.Increment(ref _queued) > _sendQueueLimit && !unbounded && !closeAfter)
        {
            Interlocked.Decrement(ref _queued);
            Close("send queue full");
            return false;
        }
        if (_outgoing.Writer.TryWrite(new OutgoingFrame(frame, closeAfter)))
            return true;
        Interlocked.Decrement(ref _queued);
        return false;
    }

    /// <summary>The writer has sent one frame.</summary>
    internal void Sent() => Interlocked.Decrement(ref _queued);

    /// <summary>Marks the connect accepted: the ack goes first, then whatever the handler emitted while deciding.</summary>
    internal void AcceptConnect()
    {
        lock (_lock)
        {
            // Accepted before the ack can reach the client, so its first event is never taken for an early one.
            Accepted = true;
            Enqueue(SocketIoPackets.ConnectAck(Id), unbounded: true);
            var pending = _beforeAck!;
            _beforeAck = null;
            foreach (var frame in pending)
                Enqueue(frame, unbounded: true);
        }
    }

    internal void RefuseConnect(byte[] connectError)
    {
        lock (_lock)
            _beforeAck = [];
        Enqueue(connectError, closeAfter: true);
    }

    /// <summary>
    /// Ends the socket once: the first reason wins. With a <paramref name="farewell"/> the writer sends it and then closes
    /// the WebSocket cleanly; without one the connection is torn down at once.
    /// </summary>
    internal void Close(string reason, byte[]? farewell = null)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
            return;
        if (farewell is not null && _outgoing.Writer.TryWrite(new OutgoingFrame(farewell, CloseAfter: true)))
        {
            _outgoing.Writer.TryComplete();
            return;
        }
        _outgoing.Writer.TryComplete();
        _closed.Cancel();
    }

    /// <summary>Called by the connection when it has ended, whatever the cause.</summary>
    internal void MarkClosed(string reason)
    {
        Interlocked.CompareExchange(ref _closeReason, reason, null);
        _outgoing.Writer.TryComplete();
        _closed.Cancel();
    }

    internal void AddRoom(string room)
    {
        lock (_lock)
            _rooms.Add(room);
    }

    internal bool RemoveRoom(string room)
    {
        lock (_lock)
            return _rooms.Remove(room);
    }
}

internal readonly record struct OutgoingFrame(byte[] Data, bool CloseAfter);
