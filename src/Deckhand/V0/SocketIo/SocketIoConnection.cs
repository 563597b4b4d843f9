using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Deckhand.V0.SocketIo;

/// <summary>
/// Runs one Engine.IO WebSocket connection: the reader (this task), a writer draining the socket's queue, the server's
/// ping/pong heartbeat, and a dispatcher handing events to the handler in order (so a slow handler never delays pongs).
/// </summary>
internal sealed class SocketIoConnection(
    SocketIoServer server, WebSocket ws, SocketIoSocket socket, SocketIoOptions options, TimeProvider time, ILogger logger,
    CancellationToken stopping)
{
    private readonly SemaphoreSlim _pong = new(0);
    private readonly Channel<IncomingEvent> _incoming = Channel.CreateBounded<IncomingEvent>(
        new BoundedChannelOptions(options.ReceiveQueueLimit) { SingleReader = true, SingleWriter = true });
    private bool _connectRequested;

    public async Task RunAsync(string engineId)
    {
        var closed = socket.Closed;
        socket.Enqueue(SocketIoPackets.Open(engineId, options));
        var writer = Task.Run(() => WriteLoopAsync(closed));
        var heartbeat = Task.Run(() => HeartbeatLoopAsync(closed));
        var dispatcher = Task.Run(DispatchLoopAsync);
        var connectDeadline = Task.Run(() => ConnectDeadlineAsync(closed));
        var reason = "transport close";
        try
        {
            reason = await ReadLoopAsync(closed);
        }
        catch (OperationCanceledException)
        {
            reason = socket.CloseReason ?? "transport close";
        }
        catch (Exception ex) when (ex is WebSocketException or InvalidDataException)
        {
            reason = socket.CloseReason ?? "transport error";
        }
        finally
        {
            socket.MarkClosed(reason);
            _incoming.Writer.TryComplete();
        }
        await Task.WhenAll(writer, heartbeat, connectDeadline).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ws.State is not (WebSocketState.Closed or WebSocketState.Aborted))
            ws.Abort();
        // Events already received are still handled (a message sent just before a disconnect is not lost).
        await dispatcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        server.Remove(socket);
        if (socket.Accepted)
        {
            try
            {
                await server.Handler.OnDisconnectAsync(socket, socket.CloseReason ?? reason);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(logger, socket.Id, "disconnect", ex);
            }
        }
        SocketIoLog.Closed(logger, socket.Id, socket.CloseReason ?? reason);
    }

    /// <summary>Returns the disconnect reason when the client ends the connection.</summary>
    private async Task<string> ReadLoopAsync(CancellationToken closed)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            message.SetLength(0);
            WebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer, closed);
                if (result.MessageType == WebSocketMessageType.Close)
                    return socket.CloseReason ?? "transport close";
                if (message.Length + result.Count > options.MaxPayload)
                {
                    socket.Close("transport error");
                    await CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big");
                    return "transport error";
                }
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            if (result.MessageType != WebSocketMessageType.Text)
                return Fail("parse error"); // binary attachments are not supported
            var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            if (HandleFrame(text) is { } end)
                return end;
        }
    }

    /// <summary>Handles one Engine.IO frame; a non-null result ends the connection with that reason.</summary>
    private string? HandleFrame(string text)
    {
        if (text.Length == 0)
            return Fail("parse error");
        switch (text[0])
        {
            case '3':
                Interlocked.Increment(ref socket.PongCount);
                _pong.Release();
                return null;
            case '2': // a client ping (only sent as an upgrade probe); answer in kind
                socket.Enqueue(Encoding.UTF8.GetBytes("3" + text[1..]));
                return null;
            case '1':
                return "transport close";
            case '6': // noop
                return null;
            case '4':
                return HandleSocketIo(text.AsMemory(1));
            default:
                return Fail("parse error");
        }
    }

    private string? HandleSocketIo(ReadOnlyMemory<char> text)
    {
        if (ClientPacket.Parse(text.Span) is not { } packet)
            return Fail("parse error");
        if (packet.Namespace != "/")
        {
            // Only the main namespace exists; other namespaces are refused the way Socket.IO servers do it.
            if (packet.Type == '0')
                socket.Enqueue(SocketIoPackets.ConnectError("Invalid namespace", null, packet.Namespace));
            return null;
        }
        switch (packet.Type)
        {
            case '0':
                if (_connectRequested)
                    return null;
                _connectRequested = true;
                // Decided by the dispatcher, so the reader keeps answering heartbeats while the handler works.
                return Dispatch(new IncomingEvent(ConnectEvent, [], null, packet.Data));
            case '1':
                return socket.Accepted ? "client namespace disconnect" : "transport close";
            case '2':
                if (!TryParseEvent(packet.Data, out var name, out var args))
                    return Fail("parse error");
                return Dispatch(new IncomingEvent(name, args, packet.AckId, null));
            case '3': // an ack for something we sent; the server never asks for acks
                return null;
            default: // 5/6: binary events are not supported
                return Fail("parse error");
        }
    }

    private async Task ConnectAsync(string data, CancellationToken closed)
    {
        if (data.Length > 0)
        {
            try
            {
                using var auth = JsonDocument.Parse(data);
                socket.Handshake.Auth = auth.RootElement.Clone();
            }
            catch (JsonException)
            {
                socket.RefuseConnect(SocketIoPackets.ConnectError("Invalid connect payload", null));
                return;
            }
        }
        SocketIoConnectResult result;
        try
        {
            result = await server.Handler.OnConnectAsync(socket, closed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !closed.IsCancellationRequested)
        {
            SocketIoLog.HandlerFailed(logger, socket.Id, "connect", ex);
            result = SocketIoConnectResult.Refuse("Internal server error");
        }
        if (result.Accepted)
        {
            server.Add(socket);
            socket.AcceptConnect();
            SocketIoLog.Connected(logger, socket.Id);
        }
        else
        {
            socket.RefuseConnect(SocketIoPackets.ConnectError(result.Message ?? "Connection refused", result.Data));
            SocketIoLog.Refused(logger, socket.Id, result.Message ?? "");
        }
    }

    private static bool TryParseEvent(string data, out string name, out IReadOnlyList<JsonElement> args)
    {
        name = "";
        args = [];
        try
        {
            using var doc = JsonDocument.Parse(data);
            if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.GetArrayLength() == 0
                || doc.RootElement[0].ValueKind != JsonValueKind.String)
                return false;
            name = doc.RootElement[0].GetString()!;
            args = [.. doc.RootElement.EnumerateArray().Skip(1).Select(e => e.Clone())];
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private string? Dispatch(IncomingEvent e)
    {
        if (_incoming.Writer.TryWrite(e))
            return null;
        socket.Close("receive queue full");
        return "receive queue full";
    }

    private async Task DispatchLoopAsync()
    {
        await foreach (var e in _incoming.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (e.ConnectData is { } data)
            {
                if (!socket.Closed.IsCancellationRequested)
                    await ConnectAsync(data, socket.Closed);
                continue;
            }
            // Clients emit only after the ack; anything earlier (or after a refusal) is not for the handler.
            if (!socket.Accepted)
                continue;
            try
            {
                await server.Handler.OnEventAsync(socket, e.Name, e.Args, stopping);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(logger, socket.Id, e.Name, ex);
            }
            if (e.AckId is { } ack)
                socket.Enqueue(SocketIoPackets.Ack(ack));
        }
    }

    private async Task WriteLoopAsync(CancellationToken closed)
    {
        try
        {
            await foreach (var frame in socket.Outgoing.ReadAllAsync(closed))
            {
                await ws.SendAsync(frame.Data, WebSocketMessageType.Text, true, closed);
                socket.Sent();
                if (frame.CloseAfter)
                {
                    // A clean close: the reader ends when the client answers the close frame (or shortly after).
                    await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
        // The writer stopped without a clean close (dead transport, overflow): make sure the reader stops too.
        socket.MarkClosed("transport error");
    }

    private async Task HeartbeatLoopAsync(CancellationToken closed)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.PingInterval, time, closed);
                while (_pong.CurrentCount > 0)
                    await _pong.WaitAsync(0, closed);
                socket.Enqueue(SocketIoPackets.Ping);
                if (!await WaitForPongAsync(closed))
                {
                    socket.Close("ping timeout");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<bool> WaitForPongAsync(CancellationToken closed)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closed);
        var wait = _pong.WaitAsync(closed);
        var expired = Task.Delay(options.PingTimeout, time, timeout.Token);
        var first = await Task.WhenAny(wait, expired);
        await timeout.CancelAsync();
        closed.ThrowIfCancellationRequested();
        return first == wait;
    }

    private async Task ConnectDeadlineAsync(CancellationToken closed)
    {
        try
        {
            await Task.Delay(options.ConnectTimeout, time, closed);
            if (!socket.Accepted)
                socket.Close("connect timeout");
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CloseOutputAsync(WebSocketCloseStatus status, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await ws.CloseOutputAsync(status, description, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        // Give the client a moment to answer the close frame, then stop reading regardless.
        _ = Task.Delay(TimeSpan.FromSeconds(2), time).ContinueWith(_ => socket.MarkClosed("transport close"), TaskScheduler.Default);
    }

    private string Fail(string reason)
    {
        socket.Close(reason);
        return reason;
    }

    private const string ConnectEvent = "\0connect";

    /// <summary>A client event, or (with <see cref="ConnectData"/>) the namespace connect request.</summary>
    private readonly record struct IncomingEvent(string Name, IReadOnlyList<JsonElement> Args, long? AckId, string? ConnectData);
}
