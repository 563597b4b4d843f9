using System.Net;
using System.Net.WebSockets;
using Deckhand.AgentServer;
using Deckhand.Client;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

public sealed class AuthTests
{
    private const string Key = "session-key-abc";

    [Fact]
    public async Task WithKeys_ApiNeedsTheHeader_DetailsRoutesDoNot()
    {
        await using var server = await TestAgentServer.StartAsync(keys: [Key, "second-key"]);

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync("api/conversations/count")).StatusCode);
        var wrong = await Assert.ThrowsAsync<AgentServerException>(() => server.ClientWithKey("nope").SearchConversationsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var caseMatters = await Assert.ThrowsAsync<AgentServerException>(() => server.ClientWithKey(Key.ToUpperInvariant()).SearchConversationsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, caseMatters.StatusCode);
        Assert.Empty((await server.ClientWithKey(Key).SearchConversationsAsync()).Items);
        Assert.Empty((await server.ClientWithKey("second-key").SearchConversationsAsync()).Items);

        using var lowerCaseHeader = new HttpRequestMessage(HttpMethod.Get, "api/conversations/count");
        lowerCaseHeader.Headers.Add("x-session-api-key", Key);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(lowerCaseHeader)).StatusCode);
        foreach (var open in new[] { "alive", "health", "ready", "server_info" })
            Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync(open)).StatusCode);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/conversations");
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await server.Http.SendAsync(preflight)).StatusCode);
    }

    [Fact]
    public async Task WithoutKeys_ApiIsOpen()
    {
        await using var server = await TestAgentServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("api/conversations/count")).StatusCode);
    }

    [Fact]
    public void NonLoopbackBind_WithoutKey_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AgentServerApp.Build(new AgentServerOptions
        {
            Host = "0.0.0.0",
            Port = 0,
            DataDir = TempDir.Create("deckhand-refuse"),
        }));
        Assert.Contains("session API key", error.Message);
    }

    [Fact]
    public async Task Socket_AuthenticatesByFirstFrame_QueryOrHeader_AndRejectsBadKeysWith4001()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync(keys: [Key]);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));

        await using (var byFrame = await server.Client.ConnectEventsAsync(created.Id))
            Assert.NotNull(await byFrame.ReadAsync());
        await using (var byQuery = await server.Client.ConnectEventsAsync(created.Id, new EventSocketOptions { AuthenticateWithFirstFrame = false }))
            Assert.NotNull(await byQuery.ReadAsync());

        await using (var badQuery = await server.ClientWithKey("wrong").ConnectEventsAsync(created.Id, new EventSocketOptions { AuthenticateWithFirstFrame = false }))
        {
            Assert.Null(await badQuery.ReadAsync());
            Assert.Equal(4001, (int)badQuery.CloseStatus!);
        }
        await using (var badFrame = await server.ClientWithKey("wrong").ConnectEventsAsync(created.Id))
        {
            Assert.Null(await badFrame.ReadAsync());
            Assert.Equal(4001, (int)badFrame.CloseStatus!);
        }
        using var raw = new ClientWebSocket();
        raw.Options.SetRequestHeader("X-Session-API-Key", "wrong");
        await raw.ConnectAsync(new Uri($"ws://{server.BaseUrl.Authority}/sockets/events/{created.Id}"), CancellationToken.None);
        var result = await raw.ReceiveAsync(new byte[1024], CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(4001, (int)raw.CloseStatus!);
    }

    [Fact]
    public async Task Socket_NonAuthFirstFrame_IsRejected()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync(keys: [Key]);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        using var raw = new ClientWebSocket();
        await raw.ConnectAsync(new Uri($"ws://{server.BaseUrl.Authority}/sockets/events/{created.Id}"), CancellationToken.None);
        await raw.SendAsync("""{"role":"user","content":"sneaky"}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var result = await raw.ReceiveAsync(new byte[1024], CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(4001, (int)raw.CloseStatus!);
        Assert.Empty(llm.Requests);
    }
}
