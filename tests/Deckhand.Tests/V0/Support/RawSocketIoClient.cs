using System.Net.WebSockets;
using System.Text;

namespace Deckhand.Tests.V0.Support;

/// <summary>A bare WebSocket speaking Engine.IO frames by hand, for what the real client would never do (stay silent, stop reading).</summary>
public sealed class RawSocketIoClient : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();

    public static async Task<RawSocketIoClient> ConnectAsync(Uri url)
    {
        var client = new RawSocketIoClient();
        client._ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await client._ws.ConnectAsync(url, CancellationToken.None);
        return client;
    }

    public WebSocket Socket => _ws;

    /// <summary>Reads the open packet, sends <c>40</c>, reads the <c>40{"sid"}</c> ack; returns the open packet.</summary>
    public async Task<string> HandshakeAsync()
    {
        var open = await ReceiveAsync();
        await SendAsync("40");
        var ack = await ReceiveAsync();
        Assert.StartsWith("40{", ack);
        return open!;
    }

    public Task SendAsync(string text) =>
        _ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next text frame, or null when the server closed.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _ws.ReceiveAsync(buffer, deadline.Token);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    public ValueTask DisposeAsync()
    {
        _ws.Abort();
        _ws.Dispose();
        return ValueTask.CompletedTask;
    }
}
