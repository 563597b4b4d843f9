using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deckhand.V0.SocketIo;

/// <summary>
/// A small Engine.IO v4 / Socket.IO v5 server over ASP.NET Core WebSockets: namespace <c>/</c> only, text packets only,
/// WebSocket transport only (HTTP long-polling requests get an Engine.IO error). Holds the connected sockets and the rooms;
/// emitting to a room never waits on any client. Map it with <see cref="SocketIoEndpoints.MapSocketIo(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string, SocketIoServer)"/>.
/// </summary>
public sealed class SocketIoServer(ISocketIoHandler handler, SocketIoOptions? options = null, ILogger<SocketIoServer>? logger = null,
    TimeProvider? time = null)
{
    private readonly SocketIoOptions _options = options ?? new SocketIoOptions();
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, SocketIoSocket> _sockets = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, SocketIoSocket>> _rooms = new();
    private readonly Lock _roomsLock = new();

    public ISocketIoHandler Handler { get; } = handler;

    public SocketIoOptions Options => _options;

    /// <summary>Connected sockets (accepted and not yet closed).</summary>
    public int Count => _sockets.Count;

    public SocketIoSocket? Find(string socketId) => _sockets.GetValueOrDefault(socketId);

    public IReadOnlyList<SocketIoSocket> InRoom(string room) =>
        _rooms.TryGetValue(room, out var members) ? [.. members.Values] : [];

    public int CountInRoom(string room) => _rooms.TryGetValue(room, out var members) ? members.Count : 0;

    /// <summary>Queues <c>42["eventName",argument]</c> to every socket in the room (encoded once).</summary>
    /// <returns>How many sockets it was queued for.</returns>
    public int EmitToRoom(string room, string eventName, ReadOnlySpan<byte> utf8JsonArgument)
    {
        if (!_rooms.TryGetValue(room, out var members) || members.IsEmpty)
            return 0;
        var frame = SocketIoPackets.Event(eventName, utf8JsonArgument);
        var reached = 0;
        foreach (var socket in members.Values)
        {
            if (socket.EnqueueMessage(frame))
                reached++;
        }
        return reached;
    }

    public int EmitToRoom(string room, string eventName, string json) => EmitToRoom(room, eventName, Encoding.UTF8.GetBytes(json));

    /// <summary>Disconnects (<c>41</c>) every socket in the room; returns how many.</summary>
    public int DisconnectRoom(string room)
    {
        var members = InRoom(room);
        foreach (var socket in members)
            socket.Disconnect();
        return members.Count;
    }

    internal void Join(SocketIoSocket socket, string room)
    {
        lock (_roomsLock)
        {
            if (socket.Closed.IsCancellationRequested)
                return;
            _rooms.GetOrAdd(room, _ => new ConcurrentDictionary<string, SocketIoSocket>())[socket.Id] = socket;
            socket.AddRoom(room);
        }
    }

    internal void Leave(SocketIoSocket socket, string room)
    {
        lock (_roomsLock)
        {
            socket.RemoveRoom(room);
            if (_rooms.TryGetValue(room, out var members) && members.TryRemove(socket.Id, out _) && members.IsEmpty)
                _rooms.TryRemove(room, out _);
        }
    }

    internal void Add(SocketIoSocket socket) => _sockets[socket.Id] = socket;

    internal void Remove(SocketIoSocket socket)
    {
        _sockets.TryRemove(socket.Id, out _);
        lock (_roomsLock)
        {
            foreach (var room in socket.Rooms)
            {
                socket.RemoveRoom(room);
                if (_rooms.TryGetValue(room, out var members) && members.TryRemove(socket.Id, out _) && members.IsEmpty)
                    _rooms.TryRemove(room, out _);
            }
        }
    }

    /// <summary>Handles <c>GET {path}/?EIO=4&amp;transport=websocket</c>; anything else gets an Engine.IO error (HTTP 400).</summary>
    internal async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["EIO"] != "4")
        {
            await EngineErrorAsync(context, 5, "Unsupported protocol version");
            return;
        }
        if (query["transport"] == "polling")
        {
            await EngineErrorAsync(context, 0, "Transport unknown: only the websocket transport is supported (HTTP long-polling is not)");
            return;
        }
        if (query["transport"] != "websocket")
        {
            await EngineErrorAsync(context, 0, "Transport unknown");
            return;
        }
        if (!string.IsNullOrEmpty(query["sid"]))
        {
            await EngineErrorAsync(context, 1, "Session ID unknown");
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await EngineErrorAsync(context, 3, "Bad request: expected a WebSocket upgrade");
            return;
        }

        var handshake = new SocketIoHandshake
        {
            Query = query.ToDictionary(q => q.Key, q => q.Value.Count > 0 ? q.Value[0] ?? "" : "", StringComparer.Ordinal),
            Headers = context.Request.Headers,
        };
        using var ws = await context.WebSockets.AcceptWebSocketAsync();
        var socket = new SocketIoSocket(this, NewId(), handshake, _options.SendQueueLimit);
        var stopping = context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var connection = new SocketIoConnection(this, ws, socket, _options, _time, _logger, stopping);
        await connection.RunAsync(NewId());
    }

    private static async Task EngineErrorAsync(HttpContext context, int code, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(SocketIoPackets.EngineError(code, message), context.RequestAborted);
    }

    /// <summary>20 URL-safe characters, like the ids Socket.IO servers hand out.</summary>
    private static string NewId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
}
