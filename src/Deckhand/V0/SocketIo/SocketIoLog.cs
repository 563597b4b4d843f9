using Microsoft.Extensions.Logging;

namespace Deckhand.V0.SocketIo;

internal static partial class SocketIoLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "socket.io {SocketId} connected")]
    public static partial void Connected(ILogger logger, string socketId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "socket.io {SocketId} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string socketId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "socket.io {SocketId} closed: {Reason}")]
    public static partial void Closed(ILogger logger, string socketId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "socket.io handler failed on {What} for {SocketId}")]
    public static partial void HandlerFailed(ILogger logger, string socketId, string what, Exception exception);
}
