using System.Collections.Concurrent;
using System.Text.Json;
using Deckhand.Testing.Hosting;
using Deckhand.V0.SocketIo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.V0.Support;

/// <summary>A minimal web app on a loopback port serving <c>/socket.io</c> with a <see cref="RecordingHandler"/>.</summary>
public sealed class SocketIoTestHost : IAsyncDisposable
{
    private SocketIoTestHost(WebApplication app, SocketIoServer server, RecordingHandler handler, Uri baseUrl)
    {
        App = app;
        Server = server;
        Handler = handler;
        BaseUrl = baseUrl;
    }

    public WebApplication App { get; }
    public SocketIoServer Server { get; }
    public RecordingHandler Handler { get; }
    public Uri BaseUrl { get; }

    /// <summary><c>ws://127.0.0.1:port/socket.io/?EIO=4&amp;transport=websocket</c> plus <paramref name="query"/>.</summary>
    public Uri WebSocketUrl(string query = "") =>
        new($"ws://{BaseUrl.Authority}/socket.io/?EIO=4&transport=websocket{(query.Length > 0 ? "&" + query : "")}");

    public static async Task<SocketIoTestHost> StartAsync(SocketIoOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddSingleton<IHostLifetime, QuietHostLifetime>();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var handler = new RecordingHandler();
        var server = new SocketIoServer(handler, options);
        app.UseWebSockets();
        app.MapSocketIo("/socket.io", server);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SocketIoTestHost(app, server, handler, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>
/// Test handler. Query <c>refuse=&lt;message&gt;</c> refuses (with <c>data.msg_id</c>), <c>room=&lt;name&gt;</c> joins a room,
/// <c>welcome=1</c> emits <c>welcome</c> during connect. Event <c>echo</c> is answered with <c>echo</c> carrying the same args.
/// </summary>
public sealed class RecordingHandler : ISocketIoHandler
{
    public ConcurrentQueue<(string SocketId, string Name, string Args)> Events { get; } = new();
    public ConcurrentDictionary<string, SocketIoSocket> Connected { get; } = new();
    public ConcurrentDictionary<string, string> Disconnected { get; } = new();
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Handshakes { get; } = new();

    /// <summary>With query <c>gate=1</c>, connect waits for this (see <see cref="Pending"/>).</summary>
    public TaskCompletionSource ConnectGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The socket whose connect is waiting on <see cref="ConnectGate"/>.</summary>
    public SocketIoSocket? Pending { get; private set; }

    public async ValueTask<SocketIoConnectResult> OnConnectAsync(SocketIoSocket socket, CancellationToken cancellationToken)
    {
        if (socket.Handshake.Get("gate") == "1")
        {
            Pending = socket;
            await ConnectGate.Task.WaitAsync(cancellationToken);
        }
        return Decide(socket);
    }

    private SocketIoConnectResult Decide(SocketIoSocket socket)
    {
        Handshakes.Enqueue(socket.Handshake.Query);
        if (socket.Handshake.Get("refuse") is { } message)
        {
            var data = JsonDocument.Parse("""{"msg_id":"TEST$REFUSED"}""").RootElement.Clone();
            return SocketIoConnectResult.Refuse(message, data);
        }
        if (socket.Handshake.Get("room") is { } room)
            socket.Join(room);
        if (socket.Handshake.Get("welcome") == "1")
            socket.Emit("welcome", """{"hello":"before the ack"}""");
        Connected[socket.Id] = socket;
        return SocketIoConnectResult.Accept;
    }

    public ValueTask OnEventAsync(SocketIoSocket socket, string eventName, IReadOnlyList<JsonElement> args, CancellationToken cancellationToken)
    {
        Events.Enqueue((socket.Id, eventName, JsonSerializer.Serialize(args.ToArray(), TestJson.Default.JsonElementArray)));
        if (eventName == "echo")
            socket.Emit("echo", args.Count > 0 ? args[0].GetRawText() : "null");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnDisconnectAsync(SocketIoSocket socket, string reason)
    {
        Connected.TryRemove(socket.Id, out _);
        Disconnected[socket.Id] = reason;
        return ValueTask.CompletedTask;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonElement[]))]
internal sealed partial class TestJson : System.Text.Json.Serialization.JsonSerializerContext;
