using Deckhand.V0.SocketIo;

namespace Deckhand.V0.Sockets;

/// <summary>
/// The socket.io rooms of V0 conversations (<c>room:&lt;conversation id hex&gt;</c>, as upstream names them): emit an
/// <c>oh_event</c> payload to every socket of a conversation, count them (<c>num_connections</c>), or drop them all.
/// </summary>
public sealed class V0Rooms(SocketIoServer server)
{
    public SocketIoServer Server => server;

    public static string Room(Guid conversationId) => "room:" + conversationId.ToString("N");

    /// <summary>Sends <c>42["oh_event", payload]</c> to the conversation's sockets; returns how many got it.</summary>
    public int Emit(Guid conversationId, ReadOnlySpan<byte> utf8JsonPayload) =>
        server.EmitToRoom(Room(conversationId), "oh_event", utf8JsonPayload);

    public int ConnectionCount(Guid conversationId) => server.CountInRoom(Room(conversationId));

    /// <summary>Disconnects every socket of the conversation (it was stopped or deleted); returns how many.</summary>
    public int DisconnectAll(Guid conversationId) => server.DisconnectRoom(Room(conversationId));
}
