using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Deckhand.V0.SocketIo;

public static class SocketIoEndpoints
{
    /// <summary>
    /// Serves Socket.IO at <paramref name="path"/> (e.g. <c>/socket.io</c>; the client's <c>/socket.io/</c> matches too).
    /// The app must call <c>UseWebSockets()</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder endpoints, string path, SocketIoServer server) =>
        endpoints.MapGet(path.TrimEnd('/'), (HttpContext context) => server.HandleAsync(context))
            .ExcludeFromDescription();

    /// <summary>Creates a <see cref="SocketIoServer"/> for <paramref name="handler"/> (reachable in callbacks as <c>socket.Server</c>) and maps it.</summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder endpoints, string path, ISocketIoHandler handler,
        SocketIoOptions? options = null) =>
        endpoints.MapSocketIo(path, new SocketIoServer(handler, options));
}
