using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;

namespace Deckhand.AgentServer.Sockets;

/// <summary>One WebSocket with serialized sends (the replay loop and error replies both write) and bounded text reads.</summary>
internal sealed class SocketSession(WebSocket socket)
{
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>Sends one event as compact JSON (null fields omitted, as OpenHands' sockets do).</summary>
    public async Task SendAsync(Event e, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            _buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_buffer))
                JsonSerializer.Serialize(writer, e, DeckhandJson.Compact.Event);
            if (socket.State == WebSocketState.Open)
                await socket.SendAsync(_buffer.WrittenMemory, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends one already-serialized event.</summary>
    public async Task SendAsync(byte[] utf8Json, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (socket.State == WebSocketState.Open)
                await socket.SendAsync(utf8Json, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Reads one text message; null when the client closed. Throws <see cref="InvalidDataException"/> for oversized or binary frames.</summary>
    public async Task<string?> ReceiveTextAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            if (message.Length + result.Count > MaxFrameBytes)
            {
                await DrainAsync(result, buffer, cancellationToken);
                throw new InvalidDataException($"Frame too large (limit {MaxFrameBytes / (1024 * 1024)} MB).");
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                if (result.MessageType != WebSocketMessageType.Text)
                    throw new InvalidDataException("Only text frames are accepted.");
                return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            }
        }
    }

    public async Task CloseAsync(int code, string reason)
    {
        await _sendLock.WaitAsync();
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task DrainAsync(WebSocketReceiveResult result, byte[] buffer, CancellationToken cancellationToken)
    {
        while (!result.EndOfMessage)
            result = await socket.ReceiveAsync(buffer, cancellationToken);
    }
}
