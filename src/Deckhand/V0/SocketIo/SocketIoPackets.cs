using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deckhand.V0.SocketIo;

/// <summary>
/// Text frames of Engine.IO v4 (first character = packet type: 0 open, 1 close, 2 ping, 3 pong, 4 message) carrying
/// Socket.IO v5 packets (after the 4: 0 connect, 1 disconnect, 2 event, 3 ack, 4 connect error).
/// </summary>
internal static class SocketIoPackets
{
    public static readonly byte[] Ping = "2"u8.ToArray();
    public static readonly byte[] Pong = "3"u8.ToArray();
    public static readonly byte[] Disconnect = "41"u8.ToArray();

    public static byte[] Open(string engineId, SocketIoOptions options) => Prefixed("0", JsonSerializer.SerializeToUtf8Bytes(
        new EngineIoOpen(engineId, [], (long)options.PingInterval.TotalMilliseconds, (long)options.PingTimeout.TotalMilliseconds, options.MaxPayload),
        SocketIoJsonContext.Default.EngineIoOpen));

    public static byte[] ConnectAck(string socketId) =>
        Prefixed("40", JsonSerializer.SerializeToUtf8Bytes(new SocketIoConnectAck(socketId), SocketIoJsonContext.Default.SocketIoConnectAck));

    public static byte[] ConnectError(string message, JsonElement? data, string? nsp = null) =>
        Prefixed(nsp is null ? "44" : $"44{nsp},",
            JsonSerializer.SerializeToUtf8Bytes(new SocketIoConnectError(message, data), SocketIoJsonContext.Default.SocketIoConnectError));

    public static byte[] Ack(long ackId) => Encoding.UTF8.GetBytes($"43{ackId}[]");

    /// <summary><c>42["name",arg]</c>, or <c>42["name"]</c> without an argument. <paramref name="utf8JsonArgument"/> is written as is.</summary>
    public static byte[] Event(string eventName, ReadOnlySpan<byte> utf8JsonArgument)
    {
        var buffer = new ArrayBufferWriter<byte>(utf8JsonArgument.Length + eventName.Length + 16);
        buffer.Write("42["u8);
        using (var writer = new Utf8JsonWriter(buffer))
            writer.WriteStringValue(eventName);
        if (!utf8JsonArgument.IsEmpty)
        {
            buffer.Write(","u8);
            buffer.Write(utf8JsonArgument);
        }
        buffer.Write("]"u8);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EngineError(int code, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new EngineIoError(code, message), SocketIoJsonContext.Default.EngineIoError);

    private static byte[] Prefixed(string prefix, byte[] json)
    {
        var bytes = new byte[prefix.Length + json.Length];
        Encoding.ASCII.GetBytes(prefix, bytes);
        json.CopyTo(bytes, prefix.Length);
        return bytes;
    }
}

/// <summary>A parsed Socket.IO packet from a client (the part after the Engine.IO <c>4</c>).</summary>
internal readonly record struct ClientPacket(char Type, string Namespace, long? AckId, string Data)
{
    /// <summary>Splits <c>&lt;type&gt;[/nsp,][ackId][data]</c>; null when the text is not a Socket.IO packet.</summary>
    public static ClientPacket? Parse(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] is < '0' or > '6')
            return null;
        var type = text[0];
        var rest = text[1..];
        var nsp = "/";
        if (!rest.IsEmpty && rest[0] == '/')
        {
            var comma = rest.IndexOf(',');
            nsp = (comma < 0 ? rest : rest[..comma]).ToString();
            rest = comma < 0 ? [] : rest[(comma + 1)..];
        }
        var digits = 0;
        while (digits < rest.Length && char.IsAsciiDigit(rest[digits]) && digits < 18)
            digits++;
        long? ack = digits > 0 ? long.Parse(rest[..digits], System.Globalization.CultureInfo.InvariantCulture) : null;
        return new ClientPacket(type, nsp, ack, rest[digits..].ToString());
    }
}

internal sealed record EngineIoOpen(
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("upgrades")] IReadOnlyList<string> Upgrades,
    [property: JsonPropertyName("pingInterval")] long PingInterval,
    [property: JsonPropertyName("pingTimeout")] long PingTimeout,
    [property: JsonPropertyName("maxPayload")] long MaxPayload);

internal sealed record SocketIoConnectAck([property: JsonPropertyName("sid")] string Sid);

internal sealed record SocketIoConnectError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Data);

/// <summary>The body of an Engine.IO HTTP error (<c>{"code":3,"message":"Bad request"}</c>).</summary>
internal sealed record EngineIoError([property: JsonPropertyName("code")] int Code, [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(EngineIoOpen))]
[JsonSerializable(typeof(SocketIoConnectAck))]
[JsonSerializable(typeof(SocketIoConnectError))]
[JsonSerializable(typeof(EngineIoError))]
internal sealed partial class SocketIoJsonContext : JsonSerializerContext;
