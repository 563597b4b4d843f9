using System.Net;
using System.Text.Json;
using Deckhand.AppServer.AppConversations;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;
using Deckhand.Tests.V0.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.V0;

/// <summary>
/// V0 conversations end to end over <c>/api/conversations</c>: a real app server, real sandboxes, the scripted LLM.
/// Create, poll until RUNNING, the agent's reply in the event copy, rename, stop, start with the full history, delete;
/// the concurrency limit and the idle auto-stop.
/// </summary>
public sealed class ConversationsLifecycleTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string InstructionsMarker = "HERON-42";

    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync() => await _llm.DisposeAsync();

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Create_RunsToTheAgentsReply_Rename_StopThenStartKeepsHistory_Delete(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        _llm.Enqueue(ScriptedReply.Text("The pond is calm today."));

        var created = await flow.JsonAsync(HttpMethod.Post, "api/conversations",
            $$"""{"initial_user_msg":"How is the pond?","conversation_instructions":"Mention {{InstructionsMarker}} once.","image_urls":[]}""");
        Assert.Equal("ok", created.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("message").ValueKind);
        Assert.Equal("STARTING", created.GetProperty("conversation_status").GetString());
        var id = created.GetProperty("conversation_id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", id);

        var starting = await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{id}");
        Assert.Equal("V0", starting.GetProperty("conversation_version").GetString());
        Assert.Contains(starting.GetProperty("status").GetString(), new[] { "STARTING", "RUNNING" });

        var running = await WaitForStatusAsync(flow, id, "RUNNING");
        Assert.Equal("STATUS$READY", running.GetProperty("runtime_status").GetString());
        Assert.Equal($"/api/conversations/{id}", running.GetProperty("url").GetString());
        Assert.Equal(JsonValueKind.Null, running.GetProperty("session_api_key").ValueKind);
        Assert.Equal("gui", running.GetProperty("trigger").GetString());
        Assert.Equal(0, running.GetProperty("num_connections").GetInt32());
        Assert.Equal(0, running.GetProperty("pr_number").GetArrayLength());
        Assert.EndsWith("Z", running.GetProperty("created_at").GetString());

        // The agent's reply reaches the app server's event copy; the instructions went to the system prompt, not a message.
        await WaitForEventTextAsync(flow, id, "The pond is calm today.");
        var first = await _llm.WaitForRequestAsync(0, TimeSpan.FromSeconds(30));
        Assert.Contains(InstructionsMarker, first.SystemPrompt ?? first.Body);
        Assert.Contains("How is the pond?", first.Body);

        // The V1 catalogue does not show V0 rows, and every upsert kept the version.
        var v1 = await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/search");
        Assert.Equal(0, v1.GetProperty("items").GetArrayLength());

        // Rename.
        Assert.True((await flow.JsonAsync(HttpMethod.Patch, $"api/conversations/{id}", """{"title":"  Pond report  "}""")).GetBoolean());
        var renamed = await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{id}");
        Assert.Equal("Pond report", renamed.GetProperty("title").GetString());
        Assert.Equal("V0", renamed.GetProperty("conversation_version").GetString());
        var extra = await flow.JsonAsync(HttpMethod.Patch, $"api/conversations/{id}", """{"title":"x","color":"red"}""", HttpStatusCode.UnprocessableEntity);
        Assert.Equal("extra_forbidden", extra.GetProperty("detail")[0].GetProperty("type").GetString());
        await flow.JsonAsync(HttpMethod.Patch, $"api/conversations/{id}", """{"title":""}""", HttpStatusCode.UnprocessableEntity);
        var missing = await flow.JsonAsync(HttpMethod.Patch, $"api/conversations/{Guid.NewGuid():N}", """{"title":"x"}""", HttpStatusCode.NotFound);
        Assert.Equal("CONVERSATION$NOT_FOUND", missing.GetProperty("msg_id").GetString());

        // Stop: the sandbox is paused and the conversation reads STOPPED.
        var stopped = await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{id}/stop");
        Assert.Equal("Conversation stopped successfully", stopped.GetProperty("message").GetString());
        Assert.Equal("RUNNING", stopped.GetProperty("conversation_status").GetString());
        var afterStop = await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{id}");
        Assert.Equal("STOPPED", afterStop.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, afterStop.GetProperty("runtime_status").ValueKind);
        var again = await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{id}/stop");
        Assert.Equal("Conversation was not running", again.GetProperty("message").GetString());

        // Start resumes it; the next turn's LLM request carries the earlier turns.
        await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{id}/start", "", HttpStatusCode.UnprocessableEntity);
        var startedAgain = await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{id}/start", """{"providers_set":[]}""");
        Assert.Equal("ok", startedAgain.GetProperty("status").GetString());
        await WaitForStatusAsync(flow, id, "RUNNING");
        var target = await server.App.Services.GetRequiredService<ConversationTargets>().FindAsync(null, Guid.Parse(id));
        Assert.NotNull(target?.Agent);
        _llm.Enqueue(ScriptedReply.Text("Still calm."));
        var before = _llm.Requests.Count;
        await target!.Agent!.SendMessageAsync(Guid.Parse(id), "And now?", run: true);
        var next = await _llm.WaitForRequestAsync(before, TimeSpan.FromSeconds(30));
        Assert.Contains("How is the pond?", next.Body);
        Assert.Contains("The pond is calm today.", next.Body);
        Assert.Contains("And now?", next.Body);
        await WaitForEventTextAsync(flow, id, "Still calm.");

        // Delete: rows, event copy and sandbox go; a second delete finds nothing.
        var sandboxId = target.Info.SandboxId;
        Assert.True((await flow.JsonAsync(HttpMethod.Delete, $"api/conversations/{id}")).GetBoolean());
        Assert.Equal("null", (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{id}")).Body);
        Assert.False((await flow.JsonAsync(HttpMethod.Delete, $"api/conversations/{id}")).GetBoolean());
        Assert.Equal("0", (await flow.SendAsync(HttpMethod.Get, $"api/v1/events/count?conversation_id__eq={id}")).Body);
        await Wait.UntilAsync(async () => await server.GetSandboxAsync(sandboxId) is null, "the deleted conversation's sandbox to go");
    }

    [Fact]
    public async Task ConcurrencyLimit_StartingOneMoreStopsTheLeastRecentlyUpdated()
    {
        await using var server = await TestAppServer.StartAsync(configure: o => o with { MaxConcurrentConversations = 1 });
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);

        var older = (await flow.JsonAsync(HttpMethod.Post, "api/conversations", "{}")).GetProperty("conversation_id").GetString()!;
        await WaitForStatusAsync(flow, older, "RUNNING");
        await using var watcher = await NodeSocketIoClient.ConnectAsync(server.BaseUrl, new Dictionary<string, string> { ["conversation_id"] = older });
        await OhEvents.NextStateAsync(watcher);
        var newer = (await flow.JsonAsync(HttpMethod.Post, "api/conversations", "{}")).GetProperty("conversation_id").GetString()!;

        // The evicted conversation's sockets are told why before they are closed (a status update, not a silent close).
        var evicted = await OhEvents.NextAsync(watcher, e => e["status_update"] is not null && (string?)e["type"] == "error");
        Assert.Equal("AGENT_ERROR$TOO_MANY_CONVERSATIONS", (string?)evicted["id"]);
        await watcher.WaitForAsync(l => NodeSocketIoClient.Type(l) == "disconnect", "the evicted conversation's socket to close");
        Assert.Equal("STOPPED", (await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{older}")).GetProperty("status").GetString());
        await WaitForStatusAsync(flow, newer, "RUNNING");

        // Starting the older one again stops the newer one.
        await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{older}/start", "{}");
        Assert.Equal("STOPPED", (await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{newer}")).GetProperty("status").GetString());
        await WaitForStatusAsync(flow, older, "RUNNING");
    }

    [Fact]
    public async Task Delete_WhileStarting_StaysDeleted_AndItsSandboxGoes()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var root = TempDir.Create("deckhand-v0-delete");
        try
        {
            // The setup script holds the start until the test opens the gate (bounded: it gives up after 60 s).
            var gate = Path.Combine(root, "gate");
            var repo = AppFlow.CreateRepository(root, "slow", new Dictionary<string, string>
            {
                [".openhands/setup.sh"] = $"for i in $(seq 600); do [ -e '{gate}' ] && exit 0; sleep 0.1; done\n",
            });
            var body = new System.Text.Json.Nodes.JsonObject { ["repository"] = repo }.ToJsonString();
            var id = (await flow.JsonAsync(HttpMethod.Post, "api/conversations", body)).GetProperty("conversation_id").GetString()!;
            JsonElement task = default;
            await Wait.UntilAsync(async () =>
            {
                var page = await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/start-tasks/search");
                task = page.GetProperty("items").EnumerateArray().FirstOrDefault();
                return task.ValueKind == JsonValueKind.Object && task.GetProperty("status").GetString() == "RUNNING_SETUP_SCRIPT";
            }, "the start to reach the setup script");
            var sandboxId = task.GetProperty("sandbox_id").GetString()!;

            Assert.True((await flow.JsonAsync(HttpMethod.Delete, $"api/conversations/{id}")).GetBoolean());
            File.WriteAllText(gate, "");

            // The flow ends in ERROR without bringing the conversation back, and the sandbox it started is removed.
            await Wait.UntilAsync(async () =>
            {
                var page = await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/start-tasks/search");
                task = page.GetProperty("items").EnumerateArray().First();
                return task.GetProperty("status").GetString() == "ERROR";
            }, "the start to end", TimeSpan.FromSeconds(60));
            Assert.Contains("deleted while it was starting", task.GetProperty("detail").GetString());
            Assert.Null(await server.GetSandboxAsync(sandboxId));
            Assert.Equal("null", (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{id}")).Body);
            Assert.Equal(0, (await flow.JsonAsync(HttpMethod.Get, "api/conversations")).GetProperty("results").GetArrayLength());
        }
        finally
        {
            TempDir.Delete(root);
        }
    }

    [Fact]
    public async Task IdleConversation_IsStoppedAfterTheCloseDelay()
    {
        await using var server = await TestAppServer.StartAsync(configure: o => o with
        {
            // Longer than the sandbox's webhook flush (200 ms), so the run's events reach the app server before the pause.
            ConversationCloseDelay = TimeSpan.FromSeconds(3),
            ConversationIdleSweepInterval = TimeSpan.FromMilliseconds(200),
        });
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        _llm.Enqueue(ScriptedReply.Text("Done."));
        var id = (await flow.JsonAsync(HttpMethod.Post, "api/conversations", """{"initial_user_msg":"Quick one."}""")).GetProperty("conversation_id").GetString()!;
        await WaitForEventTextAsync(flow, id, "Done.");
        await WaitForStatusAsync(flow, id, "STOPPED");
    }

    internal static async Task<JsonElement> WaitForStatusAsync(AppFlow flow, string id, string status)
    {
        JsonElement info = default;
        await Wait.UntilAsync(async () =>
        {
            info = await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{id}");
            Assert.NotEqual("ERROR", info.GetProperty("status").GetString());
            return info.GetProperty("status").GetString() == status;
        }, $"conversation {id} to be {status}", TimeSpan.FromSeconds(90));
        return info;
    }

    private static Task WaitForEventTextAsync(AppFlow flow, string id, string text) =>
        Wait.UntilAsync(async () => (await flow.SendAsync(HttpMethod.Get, $"api/v1/events/search?conversation_id__eq={id}&limit=100")).Body.Contains(text),
            $"'{text}' in the events of {id}", TimeSpan.FromSeconds(60));
}
