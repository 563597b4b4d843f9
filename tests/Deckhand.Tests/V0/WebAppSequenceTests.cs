using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.V0.Support;
using static Deckhand.Tests.V0.Support.OhEvents;

namespace Deckhand.Tests.V0;

/// <summary>
/// The OpenHands web app's V0 sequence (web-app-calls.md §4, v0 spec §6) against a real app server, with the real npm
/// socket.io-client on the websocket transport, the calls in the order the web app makes them: load home, create, poll
/// until RUNNING, connect, replay and agent state, the conversation tabs, send a message and get the scripted agent's
/// reply, stop the agent, stop the conversation, start it again and reconnect with <c>latest_event_id</c>.
/// </summary>
public sealed class WebAppSequenceTests : IAsyncLifetime
{
    private ScriptedLlmServer _llm = null!;
    private readonly List<NodeSocketIoClient> _clients = [];

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task HomeCreatePollConnectChatStopReconnect_AsTheWebAppDoes()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);

        // (a) Home: config, settings (404 = new user: the options for the settings modal, then save), the list.
        var config = await flow.JsonAsync(HttpMethod.Get, "api/options/config");
        Assert.Equal("oss", config.GetProperty("APP_MODE").GetString());
        Assert.Equal("", config.GetProperty("POSTHOG_CLIENT_KEY").GetString());
        var (settingsStatus, _) = await flow.SendAsync(HttpMethod.Get, "api/settings");
        Assert.Equal(HttpStatusCode.NotFound, settingsStatus);
        foreach (var options in new[] { "models", "agents", "security-analyzers" })
            Assert.Equal(JsonValueKind.Array, (await flow.JsonAsync(HttpMethod.Get, $"api/options/{options}")).ValueKind);
        await flow.ConfigureAsync(_llm);
        var settings = await flow.JsonAsync(HttpMethod.Get, "api/settings");
        Assert.True(settings.GetProperty("llm_api_key_set").GetBoolean());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("llm_api_key").ValueKind);
        var home = await flow.JsonAsync(HttpMethod.Get, "api/conversations?limit=10");
        Assert.Equal(0, home.GetProperty("results").GetArrayLength());

        // (b) "New Conversation": POST {}, the list is refetched, then the conversation is polled until RUNNING.
        var created = await flow.JsonAsync(HttpMethod.Post, "api/conversations", "{}");
        var id = created.GetProperty("conversation_id").GetString()!;
        var listed = await flow.JsonAsync(HttpMethod.Get, "api/conversations?limit=10");
        Assert.Equal(id, listed.GetProperty("results")[0].GetProperty("conversation_id").GetString());
        var conversation = await ConversationsLifecycleTests.WaitForStatusAsync(flow, id, "RUNNING");
        Assert.Equal("V0", conversation.GetProperty("conversation_version").GetString());
        Assert.False(string.IsNullOrEmpty(conversation.GetProperty("runtime_status").GetString()));
        Assert.NotEqual("STATUS$STOPPED", conversation.GetProperty("runtime_status").GetString());
        var url = conversation.GetProperty("url").GetString()!.TrimStart('/');

        // (c) Open it: the socket as the web app opens it (null key as the string "null", empty providers).
        var socket = await ConnectAsync(server, id, -1);
        var state = await NextStateAsync(socket);
        Assert.Equal("awaiting_user_input", (string?)state["extras"]!["agent_state"]);
        Assert.Equal("", (string?)state["message"]);
        Assert.All(Events(socket), e => Assert.True(e["id"] is not null && e["timestamp"] is not null && e["source"] is not null && e["message"] is not null,
            $"an event the web app would not show: {e.ToJsonString()}"));

        // The tabs it loads once the runtime is ready.
        var runtime = await flow.JsonAsync(HttpMethod.Get, $"{url}/config");
        Assert.Equal(JsonValueKind.Null, runtime.GetProperty("runtime_id").ValueKind);
        Assert.Equal(JsonValueKind.Array, (await flow.JsonAsync(HttpMethod.Get, $"{url}/git/changes")).ValueKind);
        Assert.Equal(JsonValueKind.Object, (await flow.JsonAsync(HttpMethod.Get, $"{url}/web-hosts")).GetProperty("hosts").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await flow.JsonAsync(HttpMethod.Get, $"{url}/vscode-url")).GetProperty("vscode_url").ValueKind);

        // (d) Send a message: the user's echo replaces the optimistic bubble, then the agent's reply from the scripted LLM.
        _llm.Enqueue(ScriptedReply.Text("Hello from Deckhand."));
        await socket.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"message","args":{"content":"hello","image_urls":[],"file_urls":[],"timestamp":"2025-11-15T02:50:00.000Z"}}"""));
        var echo = await NextAsync(socket, e => (string?)e["action"] == "message" && (string?)e["source"] == "user");
        Assert.Equal("hello", (string?)echo["args"]!["content"]);
        await StateAsync(socket, "running");
        var reply = await NextAsync(socket, e => (string?)e["action"] == "message" && (string?)e["source"] == "agent");
        Assert.Equal("Hello from Deckhand.", (string?)reply["args"]!["content"]);
        Assert.True((long)reply["id"]! > (long)echo["id"]!);
        await StateAsync(socket, "awaiting_user_input");

        // The conversation got a title from its first message, pushed as a title update (the web app then refetches it).
        JsonObject? titled = null;
        await Deckhand.Tests.Support.Wait.UntilAsync(() =>
        {
            titled = socket.Seen.Select(Payload).FirstOrDefault(p => p?["conversation_title"] is not null);
            return Task.FromResult(titled is not null);
        }, "a title update", TimeSpan.FromSeconds(60));
        Assert.Equal(id, (string?)titled!["message"]);
        Assert.True((bool)titled["status_update"]!);
        Assert.Equal((string?)titled["conversation_title"], (await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{id}")).GetProperty("title").GetString());

        // Stop the agent (the chat's stop button, shown while it runs).
        _llm.Enqueue(ScriptedReply.Hang());
        var asked = _llm.Requests.Count;
        await socket.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"message","args":{"content":"count to a million","image_urls":[],"file_urls":[]}}"""));
        await StateAsync(socket, "running");
        await _llm.WaitForRequestAsync(asked, TimeSpan.FromSeconds(60));
        await socket.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"change_agent_state","args":{"agent_state":"stopped"}}"""));
        await StateAsync(socket, "stopped");
        var lastSeen = Ids(socket).Max();

        // Stop the conversation: ok, STOPPED, the socket is closed by the server.
        var stop = await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{id}/stop");
        Assert.Equal("ok", stop.GetProperty("status").GetString());
        await socket.WaitForAsync(l => NodeSocketIoClient.Type(l) == "disconnect", "the server to close the socket");
        Assert.Equal("STOPPED", (await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{id}")).GetProperty("status").GetString());

        // Open it again: STOPPED makes the web app start it, then it reconnects with the last id it saw.
        var start = await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{id}/start", """{"providers_set":[]}""");
        Assert.Equal("ok", start.GetProperty("status").GetString());
        await ConversationsLifecycleTests.WaitForStatusAsync(flow, id, "RUNNING");
        var again = await ConnectAsync(server, id, lastSeen);
        // Nothing older than what it saw comes again, except the agent's current state (its input needs one).
        var stateAgain = await NextStateAsync(again);
        Assert.Equal("stopped", (string?)stateAgain["extras"]!["agent_state"]);
        Assert.All(Events(again).Where(e => (string?)e["observation"] != "agent_state_changed"),
            e => Assert.True((long)e["id"]! > lastSeen, $"replayed {e.ToJsonString()} at or before {lastSeen}"));
        Assert.DoesNotContain(Events(again), e => (string?)e["args"]?["content"] is "hello" or "Hello from Deckhand.");

        // The conversation goes on after the restart, with its history.
        _llm.Enqueue(ScriptedReply.Text("Resumed."));
        asked = _llm.Requests.Count;
        await again.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"message","args":{"content":"continue","image_urls":[],"file_urls":[]}}"""));
        var resumed = await NextAsync(again, e => (string?)e["action"] == "message" && (string?)e["source"] == "agent");
        Assert.Equal("Resumed.", (string?)resumed["args"]!["content"]);
        Assert.True((long)resumed["id"]! > lastSeen);
        var request = await _llm.WaitForRequestAsync(asked, TimeSpan.FromSeconds(30));
        Assert.Contains("Hello from Deckhand.", request.Body);
    }

    private async Task<NodeSocketIoClient> ConnectAsync(TestAppServer server, string conversationId, long latestEventId)
    {
        var client = await NodeSocketIoClient.ConnectAsync(server.BaseUrl, new Dictionary<string, string>
        {
            ["latest_event_id"] = latestEventId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["conversation_id"] = conversationId,
            ["providers_set"] = "",
            ["session_api_key"] = "null",
        });
        _clients.Add(client);
        var line = await client.WaitForAsync(l => NodeSocketIoClient.Type(l) is "connect" or "connect_error", "the connect outcome");
        Assert.True(NodeSocketIoClient.Type(line) == "connect", line.ToJsonString());
        return client;
    }
}
