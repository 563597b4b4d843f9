using System.Text.Json.Nodes;
using Deckhand.AppServer.Storage;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.V0.Support;
using static Deckhand.Tests.V0.Support.OhEvents;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.V0;

/// <summary>
/// The V0 conversation socket end to end: the real npm socket.io-client against a real app server whose conversation
/// runs in a real sandbox (a child agent-server) on the scripted LLM.
/// </summary>
public sealed class SocketTests : IAsyncLifetime
{
    private const string ApiKey = "v0-socket-key-5d2f1a";

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
    public async Task Connect_Replays_ThenTwoSocketsGetEveryEvent_StopWorks_ReconnectGetsOnlyNewerEvents()
    {
        // Webhooks flush only after a minute here: whatever arrives sooner came through the sandbox's event socket.
        await using var server = await TestAppServer.StartAsync(apiKey: ApiKey,
            configure: o => o with { SandboxWebhookFlushDelay = TimeSpan.FromMilliseconds(200) });
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var (task, _) = await flow.WaitForEndAsync((await flow.StartAsync("{}")).GetProperty("id").GetString()!);
        Assert.Equal("READY", task.GetProperty("status").GetString());
        var conversationId = task.GetProperty("app_conversation_id").GetString()!;

        // Connect: the client learns the agent state (nothing ran yet: waiting for the user).
        var first = await ConnectAsync(server, conversationId);
        var state = await NextStateAsync(first);
        Assert.Equal("awaiting_user_input", (string?)state["extras"]!["agent_state"]);
        Assert.NotNull(state["id"]);
        var second = await ConnectAsync(server, conversationId);
        await NextStateAsync(second);

        // A message: both sockets see the user's echo, the agent running, its reply and the wait for the user.
        _llm.Enqueue(ScriptedReply.Text("Hello from the scripted agent."));
        await first.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"message","args":{"content":"hi there","image_urls":[],"file_urls":[],"timestamp":"2025-11-15T02:50:00.000Z"}}"""));
        foreach (var client in new[] { first, second })
        {
            var echo = await NextAsync(client, e => (string?)e["action"] == "message" && (string?)e["source"] == "user");
            Assert.Equal("hi there", (string?)echo["args"]!["content"]);
            Assert.Equal("hi there", (string?)echo["message"]);
            await StateAsync(client, "running");
            var reply = await NextAsync(client, e => (string?)e["action"] == "message" && (string?)e["source"] == "agent");
            Assert.Equal("Hello from the scripted agent.", (string?)reply["args"]!["content"]);
            await StateAsync(client, "awaiting_user_input");
        }

        // The stop button while the agent runs (its LLM call hangs): the agent ends stopped.
        _llm.Enqueue(ScriptedReply.Hang());
        var asked = _llm.Requests.Count;
        await second.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"message","args":{"content":"think hard"}}"""));
        await StateAsync(first, "running");
        await _llm.WaitForRequestAsync(asked, TimeSpan.FromSeconds(60)); // the hanging call is in flight
        await first.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"change_agent_state","args":{"agent_state":"stopped"}}"""));
        foreach (var client in new[] { first, second })
            await StateAsync(client, "stopped");

        // A malformed action: an error toast for that socket.
        await second.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"message","args":{"text":"no content"}}"""));
        var error = await second.WaitForAsync(l => Payload(l) is { } p && p["error"] is not null, "an error payload");
        Assert.True((bool)Payload(error)!["error"]!);
        Assert.Contains("text", (string?)Payload(error)!["message"]);

        // The first socket leaves; the conversation goes on; it comes back with the last id it saw and gets only what is newer.
        var lastSeen = Ids(first).Max();
        await first.DisposeAsync();
        _clients.Remove(first);
        _llm.Enqueue(ScriptedReply.Text("Back to work."));
        await second.EmitAsync("oh_user_action", JsonNode.Parse("""{"action":"message","args":{"content":"continue"}}"""));
        var back = await NextAsync(second, e => (string?)e["action"] == "message" && (string?)e["source"] == "agent");
        Assert.Equal("Back to work.", (string?)back["args"]!["content"]);
        await StateAsync(second, "awaiting_user_input");

        var again = await ConnectAsync(server, conversationId, latestEventId: lastSeen);
        var replayedState = await NextStateAsync(again);
        Assert.Equal("awaiting_user_input", (string?)replayedState["extras"]!["agent_state"]);
        var replayed = Events(again);
        Assert.All(replayed, e => Assert.True((long)e["id"]! > lastSeen, $"replayed {e.ToJsonString()} at or before {lastSeen}"));
        Assert.Contains(replayed, e => (string?)e["action"] == "message" && (string?)e["args"]!["content"] == "continue");
        Assert.Contains(replayed, e => (string?)e["action"] == "message" && (string?)e["args"]!["content"] == "Back to work.");
        Assert.DoesNotContain(replayed, e => (string?)e["args"]?["content"] == "hi there");
        // Only the last agent state is replayed, and last.
        Assert.Single(replayed, e => (string?)e["observation"] == "agent_state_changed");
        Assert.Equal("agent_state_changed", (string?)replayed[^1]["observation"]);

        // A full replay has every id once, in order, as the second socket saw them live.
        var full = await ConnectAsync(server, conversationId);
        await NextStateAsync(full);
        var fullIds = Ids(full);
        Assert.Equal(fullIds.Order(), fullIds);
        Assert.Equal(fullIds.Distinct(), fullIds);
        Assert.Contains(Events(full), e => (string?)e["args"]?["content"] == "hi there");
    }

    [Fact]
    public async Task Refusals_UnknownConversation_WrongKey_MissingId_BadProvider()
    {
        await using var server = await TestAppServer.StartAsync(apiKey: ApiKey);
        var unknown = Guid.NewGuid().ToString("N");

        var refused = await RefusedAsync(server, new() { ["conversation_id"] = unknown, ["session_api_key"] = ApiKey });
        Assert.Contains("not found", refused);
        Assert.Contains(unknown, refused);
        Assert.Equal("invalid_session_api_key", await RefusedAsync(server, new() { ["conversation_id"] = unknown, ["session_api_key"] = "wrong" }));
        Assert.Equal("invalid_session_api_key", await RefusedAsync(server, new() { ["conversation_id"] = unknown, ["session_api_key"] = "null" }));
        Assert.Equal("No conversation_id in query params", await RefusedAsync(server, new() { ["session_api_key"] = ApiKey }));
        Assert.Contains("not-a-provider", await RefusedAsync(server,
            new() { ["conversation_id"] = unknown, ["session_api_key"] = ApiKey, ["providers_set"] = "github,not-a-provider" }));

        // Refusing never created the conversation (upstream's quirk is not kept).
        Assert.Equal("[null]", (await server.Http.GetStringAsync($"api/v1/app-conversations?ids={unknown}")).Replace(" ", ""));
    }

    [Fact]
    public async Task NoSettings_IsRefusedWithTheSettingsMessageId()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var (task, _) = await flow.WaitForEndAsync((await flow.StartAsync("{}")).GetProperty("id").GetString()!);
        var conversationId = task.GetProperty("app_conversation_id").GetString()!;
        var settings = server.App.Services.GetRequiredService<AppDatabase>();
        await using (var connection = await settings.OpenAsync())
        await using (var delete = connection.Command("DELETE FROM user_settings;"))
            await delete.ExecuteNonQueryAsync();

        var client = await NodeSocketIoClient.ConnectAsync(server.BaseUrl, new Dictionary<string, string> { ["conversation_id"] = conversationId });
        _clients.Add(client);
        var line = await client.WaitForAsync(l => NodeSocketIoClient.Type(l) is "connect_error" or "connect", "the connect outcome");
        Assert.Equal("connect_error", NodeSocketIoClient.Type(line));
        Assert.Equal("Settings not found", (string?)line["message"]);
        Assert.Equal("CONFIGURATION$SETTINGS_NOT_FOUND", (string?)line["data"]!["msg_id"]);
    }

    private async Task<NodeSocketIoClient> ConnectAsync(TestAppServer server, string conversationId, long latestEventId = -1)
    {
        var client = await NodeSocketIoClient.ConnectAsync(server.BaseUrl, new Dictionary<string, string>
        {
            ["conversation_id"] = conversationId,
            ["latest_event_id"] = latestEventId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["providers_set"] = "",
            ["session_api_key"] = server.Options.ApiKey ?? "null",
        });
        _clients.Add(client);
        var line = await client.WaitForAsync(l => NodeSocketIoClient.Type(l) is "connect" or "connect_error", "the connect outcome");
        Assert.True(NodeSocketIoClient.Type(line) == "connect", line.ToJsonString());
        return client;
    }

    private async Task<string> RefusedAsync(TestAppServer server, Dictionary<string, string> query)
    {
        var client = await NodeSocketIoClient.ConnectAsync(server.BaseUrl, query);
        _clients.Add(client);
        var line = await client.WaitForAsync(l => NodeSocketIoClient.Type(l) is "connect" or "connect_error", "the connect outcome");
        Assert.True(NodeSocketIoClient.Type(line) == "connect_error", line.ToJsonString());
        return (string)line["message"]!;
    }
}
