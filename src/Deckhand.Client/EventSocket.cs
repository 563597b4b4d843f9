using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;

namespace Deckhand.Client;

/// <summary>How to (re)connect to an events socket.</summary>
public sealed record EventSocketOptions
{
    /// <summary>Replay the whole log first (<c>resend_mode=all</c>).</summary>
    public bool ResendAll { get; init; }

    /// <summary>Replay everything strictly after this event (Deckhand's exact resume).</summary>
    public string? AfterEventId { get; init; }

    /// <summary>Replay events at or after this time (<c>resend_mode=since</c>).</summary>
    public string? AfterTimestamp { get; init; }

    /// <summary>Authenticate with a first frame instead of the legacy query parameter.</summary>
    public bool AuthenticateWithFirstFrame { get; init; } = true;
}

/// <summary>A connection to <c>/sockets/events/{id}</c>: read events as they come, send user messages.</summary>
public sealed class EventSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[16384];
    private readonly MemoryStream _message = new();

    private EventSocket(ClientWebSocket socket) => _socket = socket;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseStatusDescription => _socket.CloseStatusDescription;

    internal static async Task<EventSocket> ConnectAsync(Uri baseAddress, Guid id, string? key, EventSocketOptions options,
        CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (options.AfterEventId is not null)
            query.Add("after_event_id=" + Uri.EscapeDataString(options.AfterEventId));
        else if (options.AfterTimestamp is not null)
            query.Add("resend_mode=since&after_timestamp=" + Uri.EscapeDataString(options.AfterTimestamp));
        else if (options.ResendAll)
            query.Add("resend_mode=all");
        if (key is not null && !options.AuthenticateWithFirstFrame)
            query.Add("session_api_key=" + Uri.EscapeDataString(key));
        var builder = new UriBuilder(baseAddress)
        {
            Scheme = baseAddress.Scheme == "https" ? "wss" : "ws",
            Path = baseAddress.AbsolutePath.TrimEnd('/') + $"/sockets/events/{id}",
            Query = string.Join('&', query),
        };
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(builder.Uri, cancellationToken);
        var connection = new EventSocket(socket);
        if (key is not null && options.AuthenticateWithFirstFrame)
            await connection.SendRawAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = "auth", ["session_api_key"] = key },
                DeckhandJson.Wire.IReadOnlyDictionaryStringString), cancellationToken);
        return connection;
    }

    /// <summary>The next event, or null once the server closed the socket (see <see cref="CloseStatus"/>).</summary>
    public async Task<Event?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var text = await ReadTextAsync(cancellationToken);
        return text is null ? null : JsonSerializer.Deserialize(text, DeckhandJson.Wire.Event);
    }

    /// <summary>Sends a user message; the server appends it and runs the agent.</summary>
    public Task SendMessageAsync(string text, CancellationToken cancellationToken = default) =>
        SendRawAsync(JsonSerializer.Serialize(new Contracts.Llm.Message { Content = [new Contracts.Content.TextContent(text)] },
            DeckhandJson.Compact.Message), cancellationToken);

    public Task SendRawAsync(string text, CancellationToken cancellationToken = default) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    public async Task<string?> ReadTextAsync(CancellationToken cancellationToken = default)
    {
        _message.SetLength(0);
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_buffer.AsMemory(), cancellationToken);
            }
            catch (WebSocketException)
            {
                return null;
            }
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            if (result.EndOfMessage && _message.Length == 0)
                return Encoding.UTF8.GetString(_buffer, 0, result.Count);
            _message.Write(_buffer, 0, result.Count);
            if (result.EndOfMessage)
                return Encoding.UTF8.GetString(_message.GetBuffer(), 0, (int)_message.Length);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        _socket.Dispose();
        await _message.DisposeAsync();
    }
}
