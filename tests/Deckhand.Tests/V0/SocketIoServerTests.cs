using System.Text.Json.Nodes;
using Deckhand.Tests.Support;
using Deckhand.Tests.V0.Support;
using Deckhand.V0.SocketIo;

namespace Deckhand.Tests.V0;

/// <summary>The Engine.IO v4 / Socket.IO v5 server, driven by the real npm socket.io-client (websocket transport).</summary>
public sealed class SocketIoServerTests
{
    private static Dictionary<string, string> Query(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Connect_DeliversAckThenWhatTheHandlerEmittedDuringConnect_AndPassesTheQuery()
    {
        await using var host = await SocketIoTestHost.StartAsync();
        await using var client = await NodeSocketIoClient.ConnectAsync(host.BaseUrl,
            Query(("conversation_id", "abc"), ("latest_event_id", "-1"), ("session_api_key", "null"), ("welcome", "1")));

        var connect = await client.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");
        var welcome = await client.WaitForEventAsync("welcome");

        Assert.Equal("before the ack", (string?)welcome["args"]![0]!["hello"]);
        var handshake = Assert.Single(host.Handler.Handshakes);
        Assert.Equal("abc", handshake["conversation_id"]);
        Assert.Equal("-1", handshake["latest_event_id"]);
        Assert.Equal("null", handshake["session_api_key"]);
        Assert.Equal("websocket", handshake["transport"]);
        var socket = Assert.Single(host.Handler.Connected.Values);
        Assert.Equal((string?)connect["id"], socket.Id);
        Assert.True(socket.IsConnected);
    }

    [Fact]
    public async Task Events_FlowBothWays()
    {
        await using var host = await SocketIoTestHost.StartAsync();
        await using var client = await NodeSocketIoClient.ConnectAsync(host.BaseUrl);
        await client.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");

        await client.EmitAsync("oh_user_action", new JsonObject { ["action"] = "message", ["args"] = new JsonObject { ["content"] = "hi" } });
        await client.EmitAsync("echo", new JsonObject { ["n"] = 42, ["s"] = "ünïcødé \"quoted\"" });
        var echo = await client.WaitForEventAsync("echo");

        Assert.Equal(42, (int)echo["args"]![0]!["n"]!);
        Assert.Equal("ünïcødé \"quoted\"", (string?)echo["args"]![0]!["s"]);
        var events = host.Handler.Events.ToList();
        Assert.Equal("oh_user_action", events[0].Name);
        Assert.Equal("""[{"action":"message","args":{"content":"hi"}}]""", events[0].Args);
        Assert.Equal("echo", events[1].Name);

        var socket = Assert.Single(host.Handler.Connected.Values);
        Assert.True(socket.Emit("oh_event", """{"id":3,"message":"pushed"}"""));
        var pushed = await client.WaitForEventAsync("oh_event");
        Assert.Equal("pushed", (string?)pushed["args"]![0]!["message"]);
    }

    [Fact]
    public async Task Refusal_IsSeenAsConnectError_WithMessageAndData()
    {
        await using var host = await SocketIoTestHost.StartAsync();
        await using var client = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("refuse", "No conversation_id in query params")));

        var error = await client.WaitForAsync(l => NodeSocketIoClient.Type(l) is "connect_error" or "connect", "connect_error");

        Assert.Equal("connect_error", NodeSocketIoClient.Type(error));
        Assert.Equal("No conversation_id in query params", (string?)error["message"]);
        Assert.Equal("TEST$REFUSED", (string?)error["data"]!["msg_id"]);
        Assert.Empty(host.Handler.Connected);
        Assert.Equal(0, host.Server.Count);
    }

    [Fact]
    public async Task Heartbeat_KeepsTheConnectionAlive_PastThePingTimeout()
    {
        var options = new SocketIoOptions { PingInterval = TimeSpan.FromMilliseconds(100), PingTimeout = TimeSpan.FromMilliseconds(250) };
        await using var host = await SocketIoTestHost.StartAsync(options);
        await using var client = await NodeSocketIoClient.ConnectAsync(host.BaseUrl);
        await client.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");
        var socket = Assert.Single(host.Handler.Connected.Values);

        // Eight answered pings span at least 800 ms, several ping timeouts' worth.
        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref socket.PongCount) >= 8), "eight pongs");

        Assert.True(socket.IsConnected);
        await client.EmitAsync("echo", JsonValue.Create("still here"));
        Assert.Equal("still here", (string?)(await client.WaitForEventAsync("echo"))["args"]![0]);
        Assert.DoesNotContain(client.Seen, l => NodeSocketIoClient.Type(l) == "disconnect");
        Assert.Empty(host.Handler.Disconnected);
    }

    [Fact]
    public async Task SlowConnectHandler_DoesNotStopTheHeartbeat()
    {
        var options = new SocketIoOptions { PingInterval = TimeSpan.FromMilliseconds(100), PingTimeout = TimeSpan.FromMilliseconds(200) };
        await using var host = await SocketIoTestHost.StartAsync(options);
        await using var client = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("gate", "1")));
        await Wait.UntilAsync(() => Task.FromResult(host.Handler.Pending is not null), "the connect to reach the handler");

        // While the handler decides, pings keep being answered (four of them outlast the ping timeout twice).
        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref host.Handler.Pending!.PongCount) >= 4), "pongs during connect");
        host.Handler.ConnectGate.SetResult();

        await client.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");
        Assert.Empty(host.Handler.Disconnected);
        Assert.Equal(1, host.Server.Count);
    }

    [Fact]
    public async Task SilentClient_IsDropped_AfterThePingTimeout()
    {
        var options = new SocketIoOptions { PingInterval = TimeSpan.FromMilliseconds(100), PingTimeout = TimeSpan.FromMilliseconds(200) };
        await using var host = await SocketIoTestHost.StartAsync(options);
        await using var raw = await RawSocketIoClient.ConnectAsync(host.WebSocketUrl());
        var open = JsonNode.Parse((await raw.HandshakeAsync())[1..])!;
        Assert.Equal(100, (int)open["pingInterval"]!);
        Assert.Equal(200, (int)open["pingTimeout"]!);
        Assert.Empty(open["upgrades"]!.AsArray());

        // The raw client reads the pings but never answers them.
        await Wait.UntilAsync(() => Task.FromResult(!host.Handler.Disconnected.IsEmpty), "the server to drop the silent client");

        Assert.Equal("ping timeout", Assert.Single(host.Handler.Disconnected.Values));
        Assert.Equal(0, host.Server.Count);
    }

    [Fact]
    public async Task TwoSocketsInOneRoom_BothReceive_OthersDoNot()
    {
        await using var host = await SocketIoTestHost.StartAsync();
        await using var a = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("room", "room:c1")));
        await using var b = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("room", "room:c1")));
        await using var other = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("room", "room:c2")));
        foreach (var c in new[] { a, b, other })
            await c.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");
        Assert.Equal(2, host.Server.CountInRoom("room:c1"));

        Assert.Equal(2, host.Server.EmitToRoom("room:c1", "oh_event", """{"id":1}"""));
        Assert.Equal(1, host.Server.EmitToRoom("room:c2", "oh_event", """{"id":2}"""));

        Assert.Equal(1, (int)(await a.WaitForEventAsync("oh_event"))["args"]![0]!["id"]!);
        Assert.Equal(1, (int)(await b.WaitForEventAsync("oh_event"))["args"]![0]!["id"]!);
        // Frames to one socket stay in order, so the first oh_event the other room sees is its own.
        Assert.Equal(2, (int)(await other.WaitForEventAsync("oh_event"))["args"]![0]!["id"]!);
    }

    [Fact]
    public async Task ClientDisconnect_LeavesRooms_AndCallsTheHandler()
    {
        await using var host = await SocketIoTestHost.StartAsync();
        await using var client = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("room", "room:c1")));
        await client.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");
        var socket = Assert.Single(host.Handler.Connected.Values);

        await client.DisconnectAsync();
        await Wait.UntilAsync(() => Task.FromResult(host.Handler.Disconnected.ContainsKey(socket.Id)), "the disconnect callback");

        Assert.Equal("client namespace disconnect", host.Handler.Disconnected[socket.Id]);
        Assert.Equal(0, host.Server.CountInRoom("room:c1"));
        Assert.Equal(0, host.Server.Count);
        Assert.False(socket.IsConnected);
        Assert.Empty(socket.Rooms);
        Assert.False(socket.Emit("oh_event", "{}"));
    }

    [Fact]
    public async Task ServerDisconnect_IsSeenByTheClient_AsIoServerDisconnect()
    {
        await using var host = await SocketIoTestHost.StartAsync();
        await using var client = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("room", "room:c1")));
        await client.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");

        Assert.Equal(1, host.Server.DisconnectRoom("room:c1"));

        var disconnect = await client.WaitForAsync(l => NodeSocketIoClient.Type(l) == "disconnect", "disconnect");
        Assert.Equal("io server disconnect", (string?)disconnect["reason"]);
        await Wait.UntilAsync(() => Task.FromResult(!host.Handler.Disconnected.IsEmpty), "the disconnect callback");
        Assert.Equal("server namespace disconnect", Assert.Single(host.Handler.Disconnected.Values));
    }

    [Fact]
    public async Task SlowReader_IsDisconnected_WhileOthersInTheRoomKeepReceiving()
    {
        var options = new SocketIoOptions { SendQueueLimit = 8 };
        await using var host = await SocketIoTestHost.StartAsync(options);
        await using var fast = await NodeSocketIoClient.ConnectAsync(host.BaseUrl, Query(("room", "room:c1")));
        await fast.WaitForAsync(l => NodeSocketIoClient.Type(l) == "connect", "connect");
        await using var slow = await RawSocketIoClient.ConnectAsync(host.WebSocketUrl("room=room:c1&tag=slow"));
        await slow.HandshakeAsync();
        var slowSocket = host.Handler.Connected.Values.Single(s => s.Handshake.Get("tag") == "slow");

        // The slow client never reads again: once the kernel buffers fill, its queue overflows and it is dropped,
        // while emitting never waits.
        var big = "\"" + new string('x', 256 * 1024) + "\"";
        for (var i = 0; i < 2000 && slowSocket.Emit("big", big); i++)
        {
        }
        Assert.False(slowSocket.IsConnected && slowSocket.Emit("big", big));
        await Wait.UntilAsync(() => Task.FromResult(host.Handler.Disconnected.ContainsKey(slowSocket.Id)), "the slow socket to be dropped");
        Assert.Equal("send queue full", host.Handler.Disconnected[slowSocket.Id]);

        Assert.Equal(1, host.Server.EmitToRoom("room:c1", "oh_event", """{"id":7}"""));
        Assert.Equal(7, (int)(await fast.WaitForEventAsync("oh_event"))["args"]![0]!["id"]!);
    }

    [Theory]
    [InlineData("EIO=4&transport=polling", 0, "websocket")]
    [InlineData("EIO=3&transport=websocket", 5, "Unsupported protocol version")]
    [InlineData("EIO=4&transport=websocket", 3, "WebSocket upgrade")]
    [InlineData("EIO=4&transport=websocket&sid=abc", 1, "Session ID unknown")]
    public async Task NonWebSocketRequests_GetAnEngineIoError(string query, int code, string text)
    {
        await using var host = await SocketIoTestHost.StartAsync();
        using var http = new HttpClient { BaseAddress = host.BaseUrl };

        var response = await http.GetAsync("/socket.io/?" + query);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(code, (int)body["code"]!);
        Assert.Contains(text, (string?)body["message"]);
    }

    [Fact]
    public async Task UnknownNamespace_IsRefused_AndTheMainNamespaceStillWorks()
    {
        await using var host = await SocketIoTestHost.StartAsync();
        await using var raw = await RawSocketIoClient.ConnectAsync(host.WebSocketUrl());
        await raw.ReceiveAsync();

        await raw.SendAsync("40/admin,");
        Assert.Equal("""44/admin,{"message":"Invalid namespace"}""", await raw.ReceiveAsync());
        await raw.SendAsync("40");
        Assert.StartsWith("40{\"sid\":", await raw.ReceiveAsync());
        await raw.SendAsync("""421["echo",{"a":1}]""");
        Assert.Equal("""42["echo",{"a":1}]""", await raw.ReceiveAsync());
        Assert.Equal("431[]", await raw.ReceiveAsync());
    }
}
