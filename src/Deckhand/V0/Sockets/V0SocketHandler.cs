using System.Text.Json;
using Deckhand.V0.SocketIo;

namespace Deckhand.V0.Sockets;

/// <summary>
/// The V0 conversation socket (spec §3). Placeholder while the handler is being written: it refuses every connection
/// with a clear message, so the endpoint and the rooms exist for the REST side.
/// </summary>
public sealed class V0SocketHandler : ISocketIoHandler
{
    public ValueTask<SocketIoConnectResult> OnConnectAsync(SocketIoSocket socket, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SocketIoConnectResult.Refuse("V0 conversation sockets are not available in this build."));

    public ValueTask OnEventAsync(SocketIoSocket socket, string eventName, IReadOnlyList<JsonElement> args, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public ValueTask OnDisconnectAsync(SocketIoSocket socket, string reason) => ValueTask.CompletedTask;
}
