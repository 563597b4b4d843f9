using System.Net;
using System.Text.Json;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Conversations;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary>
/// End to end: a real sandbox (a <c>deckhand agent-server</c> process) posts its conversation's events to the app server
/// that started it, and the app server serves them from its own copy, also once the sandbox is paused.
/// </summary>
public sealed class SandboxEventCopyTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task SandboxEvents_ReachTheAppServer_AndStaySearchableWhileItIsPaused(string backend)
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "Plan the greeting." }).WithUsage(120, 15),
            ScriptedReply.ToolCall("finish", new { message = "Hello!" }).WithUsage(150, 10));
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));
        var sandbox = await server.StartSandboxAsync();

        // The app server told the sandbox where to post, and the sandbox authenticates with its own key.
        var env = Procs.Environment((await server.RuntimeAsync(sandbox.Id)).Pid);
        Assert.Equal($"{server.BaseUrl.ToString().TrimEnd('/')}/api/v1/webhooks/{sandbox.Id}", env["OH_WEBHOOKS_0_BASE_URL"]);

        using var http = new HttpClient { BaseAddress = new Uri(sandbox.ExposedUrls![0].Url + "/") };
        var agent = new AgentServerClient(http, sandbox.SessionApiKey);
        var (created, _) = await agent.CreateConversationAsync(Requests.Start(llm.BaseUrl, "Say hello to the team"));
        await Wait.ForStatusAsync(agent, created.Id, ExecutionStatus.Finished);
        var log = await agent.AllEventsAsync(created.Id);
        var byConversation = $"api/v1/events/search?conversation_id__eq={created.Id:N}";
        await Wait.UntilAsync(async () => await CountAsync(server, created.Id) == log.Count, $"the app server's copy to reach {log.Count} events");
        Assert.Equal(log.Select(e => e.Id), await IdsAsync(server, byConversation));

        // The catalogue row: owner and sandbox, the agent-server's title and model, usage from its stats.
        var row = await WebhookReceiveTests.ReadRowAsync(server, created.Id);
        Assert.Equal(sandbox.Id, row["sandbox_id"]);
        Assert.Equal("", row["user_id"]);
        Assert.Equal("openai/scripted-model", row["llm_model"]);
        await Wait.UntilAsync(async () => (await WebhookReceiveTests.ReadRowAsync(server, created.Id))["title"] as string == "Say hello to the team",
            "the title from the agent-server");
        Assert.Equal(270L, Convert.ToInt64((await WebhookReceiveTests.ReadRowAsync(server, created.Id))["prompt_tokens"]));

        // Paused (SIGSTOP): the agent-server cannot answer, the app server's copy still does, under both route shapes.
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"api/v1/sandboxes/{sandbox.Id}/pause", null)).StatusCode);
        Assert.Equal(SandboxStatus.Paused, (await server.GetSandboxAsync(sandbox.Id))!.Status);
        Assert.Equal(log.Select(e => e.Id), await IdsAsync(server, byConversation));
        Assert.Equal(log.Select(e => e.Id), await IdsAsync(server, $"api/v1/conversation/{created.Id:N}/events/search"));
        Assert.Equal(log.Count, await CountAsync(server, created.Id));
        var finish = log.OfType<Contracts.Events.ActionEvent>().Last();
        var fetched = JsonDocument.Parse(await server.Http.GetStringAsync($"api/v1/events?id={finish.Id}")).RootElement[0];
        Assert.Equal("finish", fetched.GetProperty("tool_name").GetString());
        Assert.Equal("Hello!", fetched.GetProperty("action").GetProperty("message").GetString());
        Assert.DoesNotContain(Requests.ApiKey, await server.Http.GetStringAsync(byConversation));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"api/v1/sandboxes/{sandbox.Id}/resume", null)).StatusCode);
    }

    private static async Task<long> CountAsync(TestAppServer server, Guid conversation) =>
        long.Parse(await server.Http.GetStringAsync($"api/v1/events/count?conversation_id__eq={conversation:N}"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One page holds them all here (fewer than 100 events).</summary>
    private static async Task<List<string>> IdsAsync(TestAppServer server, string url)
    {
        var json = JsonDocument.Parse(await server.Http.GetStringAsync(url)).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("next_page_id").ValueKind);
        return [.. json.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
    }
}
