using System.Text.Json;

namespace Deckhand.V0.SocketIo;

/// <summary>
/// The application side of a Socket.IO endpoint. Callbacks for one socket never overlap: connect, then its events in the
/// order they arrived, then disconnect (only for sockets whose connect was accepted).
/// </summary>
public interface ISocketIoHandler
{
    /// <summary>
    /// A client asked to join namespace <c>/</c>. Accept, or refuse with a message the client sees as <c>connect_error</c>.
    /// Anything emitted to the socket from here (a history replay, say) is delivered right after the <c>40</c> ack, and
    /// dropped when the connection is refused.
    /// </summary>
    ValueTask<SocketIoConnectResult> OnConnectAsync(SocketIoSocket socket, CancellationToken cancellationToken);

    /// <summary>A <c>42["name", ...args]</c> event from the client.</summary>
    ValueTask OnEventAsync(SocketIoSocket socket, string eventName, IReadOnlyList<JsonElement> args, CancellationToken cancellationToken);

    /// <summary>The socket is gone (client or server disconnect, transport close, ping timeout). It has already left every room.</summary>
    ValueTask OnDisconnectAsync(SocketIoSocket socket, string reason);
}

/// <summary>The answer to a namespace connect: accept, or refuse with <c>44{"message":..,"data":..}</c>.</summary>
public sealed record SocketIoConnectResult
{
    public static SocketIoConnectResult Accept { get; } = new() { Accepted = true };

    public bool Accepted { get; private init; }
    public string? Message { get; private init; }
    public JsonElement? Data { get; private init; }

    /// <summary><paramref name="data"/> reaches the client as <c>error.data</c>; omitted from the packet when null.</summary>
    public static SocketIoConnectResult Refuse(string message, JsonElement? data = null) =>
        new() { Accepted = false, Message = message, Data = data };
}
