using System.Net;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary>The catalogue of app conversations on both databases: search, count, batch, get, patch, send-message, delete.</summary>
public sealed class AppConversationCatalogueTests(PostgresServer postgres) : IAsyncLifetime
{
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync() => await _llm.DisposeAsync();

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Catalogue_ListsWithLiveStatus_EditsSendsAndDeletes(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);

        // A conversation without a repository, and a sub-conversation that inherits its sandbox.
        var parentSnapshots = await flow.StreamStartAsync("""{"title":"ignored","trigger":"openhands_api","pr_number":[7]}""");
        var parentId = parentSnapshots[^1].GetProperty("app_conversation_id").GetString()!;
        var sandboxId = parentSnapshots[^1].GetProperty("sandbox_id").GetString()!;
        var childSnapshots = await flow.StreamStartAsync($$"""{"parent_conversation_id":"{{Guid.Parse(parentId)}}"}""");
        Assert.Equal("READY", childSnapshots[^1].GetProperty("status").GetString());
        Assert.Equal(sandboxId, childSnapshots[^1].GetProperty("sandbox_id").GetString());
        var childId = childSnapshots[^1].GetProperty("app_conversation_id").GetString()!;
        Assert.Equal(parentId, childSnapshots[0].GetProperty("request").GetProperty("parent_conversation_id").GetString());

        // Search hides sub-conversations unless asked; count agrees.
        var page = await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/search");
        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(parentId, item.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_page_id").ValueKind);
        Assert.Equal("RUNNING", item.GetProperty("sandbox_status").GetString());
        Assert.Equal("idle", item.GetProperty("execution_status").GetString());
        Assert.Equal($"Conversation {parentId}", item.GetProperty("title").GetString());
        Assert.Equal("openhands_api", item.GetProperty("trigger").GetString());
        Assert.Equal("[7]", item.GetProperty("pr_number").GetRawText());
        Assert.Equal("[]", item.GetProperty("sub_conversation_ids").GetRawText());
        Assert.Equal(0, item.GetProperty("metrics").GetProperty("accumulated_cost").GetDouble());
        Assert.Equal(1, (await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/count")).GetInt32());
        var all = await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/search?include_sub_conversations=true&limit=1");
        Assert.Equal("1", all.GetProperty("next_page_id").GetString());
        Assert.Equal(2, (await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/search?include_sub_conversations=true")).GetProperty("items").GetArrayLength());
        Assert.Empty((await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/search?created_at__gte=2999-01-01T00:00:00Z")).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Get, "api/v1/app-conversations/search?created_at__gte=yesterday")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Get, "api/v1/app-conversations/search?limit=101")).Status);

        // Batch get (hex or dashed ids) fills sub_conversation_ids; unknown ids are null.
        var batch = await flow.JsonAsync(HttpMethod.Get, $"api/v1/app-conversations?ids={Guid.Parse(parentId)}&ids={Guid.NewGuid():N}&ids={childId}");
        Assert.Equal($"[\"{childId}\"]", batch[0].GetProperty("sub_conversation_ids").GetRawText());
        Assert.Equal(JsonValueKind.Null, batch[1].ValueKind);
        Assert.Equal(parentId, batch[2].GetProperty("parent_conversation_id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await flow.SendAsync(HttpMethod.Get, "api/v1/app-conversations?ids=bad")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Get, "api/v1/app-conversations")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"api/v1/app-conversations/{Guid.NewGuid():N}")).Status);

        // PATCH applies the fields present, validates them, and renames in the sandbox too.
        var renamed = await flow.JsonAsync(HttpMethod.Patch, $"api/v1/app-conversations/{parentId}", """{"title":"  Widgets work  ","public":true}""");
        Assert.Equal("Widgets work", renamed.GetProperty("title").GetString());
        Assert.True(renamed.GetProperty("public").GetBoolean());
        Assert.Equal("Widgets work", (await AppFlow.Agent(renamed).GetConversationAsync(Guid.Parse(parentId)))!.Title);
        Assert.Single((await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/search?title__contains=idgets")).GetProperty("items").EnumerateArray());
        var (badStatus, badBody) = await flow.SendAsync(HttpMethod.Patch, $"api/v1/app-conversations/{parentId}",
            """{"selected_branch":"a..b","git_provider":"nope"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badStatus);
        Assert.Contains("selected_branch", badBody);
        Assert.Contains("git_provider", badBody);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Patch, $"api/v1/app-conversations/{Guid.NewGuid():N}", "{}")).Status);

        // A message to a ready conversation goes straight to its sandbox and runs.
        _llm.Enqueue(ScriptedReply.Text("Hello from the agent."));
        var sent = await flow.JsonAsync(HttpMethod.Post, $"api/v1/app-conversations/{parentId}/send-message",
            """{"role":"user","content":[{"type":"text","text":"hi there"}]}""");
        Assert.Equal("""{"success":true,"sandbox_status":"RUNNING","message":null}""", sent.GetRawText());
        var agent = AppFlow.Agent(renamed);
        await Wait.ForStatusAsync(agent, Guid.Parse(parentId), ExecutionStatus.Finished, TimeSpan.FromSeconds(30));
        Assert.Contains("hi there", _llm.Requests[^1].Body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Post, $"api/v1/app-conversations/{parentId}/send-message",
            """{"role":"user","content":[]}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Post, $"api/v1/app-conversations/{Guid.NewGuid():N}/send-message",
            """{"content":[{"type":"text","text":"x"}]}""")).Status);

        // A paused sandbox does not take messages: 409, with how to resume it.
        await flow.JsonAsync(HttpMethod.Post, $"api/v1/sandboxes/{sandboxId}/pause");
        Assert.Equal("PAUSED", (await flow.ConversationAsync(parentId)).GetProperty("sandbox_status").GetString());
        var (paused, pausedBody) = await flow.SendAsync(HttpMethod.Post, $"api/v1/app-conversations/{parentId}/send-message",
            """{"content":[{"type":"text","text":"anyone?"}]}""");
        Assert.Equal(HttpStatusCode.Conflict, paused);
        Assert.Contains($"/api/v1/sandboxes/{sandboxId}/resume", pausedBody);
        Assert.Equal(JsonValueKind.Null, (await flow.ConversationAsync(parentId)).GetProperty("conversation_url").ValueKind);
        await flow.JsonAsync(HttpMethod.Post, $"api/v1/sandboxes/{sandboxId}/resume");

        // Delete takes the sub-conversation with it, and the sandbox once nothing uses it.
        Assert.Equal("""{"success":true}""", (await flow.JsonAsync(HttpMethod.Delete, $"api/v1/app-conversations/{parentId}")).GetRawText());
        Assert.Equal(0, (await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/search?include_sub_conversations=true")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/start-tasks/count")).GetInt32());
        await Wait.UntilAsync(async () => await server.GetSandboxAsync(sandboxId) is null, "the unused sandbox to be deleted");
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Delete, $"api/v1/app-conversations/{parentId}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await flow.SendAsync(HttpMethod.Delete, "api/v1/app-conversations/not-an-id")).Status);
    }
}
