namespace Deckhand.V0.SocketIo;

/// <summary>Engine.IO heartbeat and limits. Defaults are python-socketio's as OpenHands configures it (spec §3.1).</summary>
public sealed record SocketIoOptions
{
    /// <summary>How often the server sends a ping (<c>2</c>).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>How long the server waits for the pong (<c>3</c>) before it drops the connection.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Largest message accepted from a client, in bytes (advertised as <c>maxPayload</c>).</summary>
    public int MaxPayload { get; init; } = 4 * 1024 * 1024;

    /// <summary>How long a client may take between the Engine.IO open and its namespace <c>40</c> connect.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Frames waiting to be written to one socket. A client that falls this far behind is disconnected (it can reconnect
    /// and replay), so one slow reader never holds up an emit to a room.
    /// </summary>
    public int SendQueueLimit { get; init; } = 4096;

    /// <summary>Events received from one socket that the handler has not processed yet; more than this disconnects it.</summary>
    public int ReceiveQueueLimit { get; init; } = 256;
}
