using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deckhand.Contracts.Conversations;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>The conversation catalogue: create, search, count, batch get, update, delete, and the info shape.</summary>
public sealed partial class CatalogueTests
{
    // None of these conversations gets a message, so the LLM is never called.
    private static readonly Uri NoLlm = new("http://127.0.0.1:9/");

    [Fact]
    public async Task Create_WithExplicitId_Returns201_AndAgainWithTheSameId_Returns200WithTheExistingOneUnchanged()
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = Guid.NewGuid();

        using var first = await PostCreateAsync(server, Requests.Start(NoLlm, maxIterations: 7, id: id));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(id.ToString(), created.GetProperty("id").GetString());

        var different = Requests.Start(NoLlm, maxIterations: 99, id: id) with { Tags = new Dictionary<string, string> { ["env"] = "other" } };
        using var second = await PostCreateAsync(server, different);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var existing = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(7, existing.GetProperty("max_iterations").GetInt32());
        Assert.Empty(existing.GetProperty("tags").EnumerateObject());
        Assert.Equal(created.GetProperty("created_at").GetString(), existing.GetProperty("created_at").GetString());

        var stored = await server.Client.GetConversationAsync(id);
        Assert.Equal(7, stored!.MaxIterations);
        Assert.Equal(1, await CountAsync(server, ""));
    }

    [Fact]
    public async Task Search_DefaultsToNewestFirst_AndHonoursEachSortOrder()
    {
        await using var server = await TestAgentServer.StartAsync();
        var a = await CreateAsync(server);
        var b = await CreateAsync(server);
        var c = await CreateAsync(server);
        await PatchAsync(server, a, """{"title":"touched last"}""");

        Assert.Equal([c, b, a], await SearchIdsAsync(server, ""));
        Assert.Equal([c, b, a], await SearchIdsAsync(server, "sort_order=CREATED_AT_DESC"));
        Assert.Equal([a, b, c], await SearchIdsAsync(server, "sort_order=CREATED_AT"));
        Assert.Equal([b, c, a], await SearchIdsAsync(server, "sort_order=UPDATED_AT"));
        Assert.Equal([a, c, b], await SearchIdsAsync(server, "sort_order=UPDATED_AT_DESC"));
    }

    [Fact]
    public async Task SearchAndCount_ByStatus_ReturnOnlyThatStatus()
    {
        await using var server = await TestAgentServer.StartAsync();
        var a = await CreateAsync(server);
        var paused = await CreateAsync(server);
        var c = await CreateAsync(server);
        await server.Client.PauseAsync(paused);

        Assert.Equal([paused], await SearchIdsAsync(server, "status=paused"));
        Assert.Equal([c, a], await SearchIdsAsync(server, "status=idle"));
        Assert.Empty(await SearchIdsAsync(server, "status=finished"));
        Assert.Equal(3, await CountAsync(server, ""));
        Assert.Equal(1, await CountAsync(server, "status=paused"));
        Assert.Equal(2, await CountAsync(server, "status=idle"));
        Assert.Equal(0, await CountAsync(server, "status=running"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("&sort_order=CREATED_AT")]
    [InlineData("&sort_order=UPDATED_AT_DESC")]
    public async Task Search_PagingWithLimit_CoversEveryConversationOnce_WithHexPageIds(string sort)
    {
        await using var server = await TestAgentServer.StartAsync();
        var all = new List<Guid>();
        for (var i = 0; i < 5; i++)
            all.Add(await CreateAsync(server));
        var expected = await SearchIdsAsync(server, sort.TrimStart('&'));

        var seen = new List<Guid>();
        string? pageId = null;
        var pages = 0;
        while (true)
        {
            var page = await GetJsonAsync(server, $"api/conversations/search?limit=2{sort}" + (pageId is null ? "" : $"&page_id={pageId}"));
            var ids = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
            Assert.InRange(ids.Count, 1, 2);
            seen.AddRange(ids);
            Assert.True(++pages <= 3, "paging did not end");
            var next = page.GetProperty("next_page_id");
            if (next.ValueKind == JsonValueKind.Null)
                break;
            pageId = next.GetString()!;
            Assert.Matches(HexId(), pageId);
        }

        Assert.Equal(3, pages);
        Assert.Equal(expected, seen);
        Assert.Equal(all.Order(), seen.Order());
    }

    [Fact]
    public async Task BatchGet_ReturnsInfosInRequestOrder_WithNullForUnknownIds()
    {
        await using var server = await TestAgentServer.StartAsync();
        var a = await CreateAsync(server);
        var b = await CreateAsync(server);
        var unknown = Guid.NewGuid();

        var list = await GetJsonAsync(server, $"api/conversations?ids={b}&ids={unknown}&ids={a}");

        Assert.Equal(3, list.GetArrayLength());
        Assert.Equal(b, list[0].GetProperty("id").GetGuid());
        Assert.Equal(JsonValueKind.Null, list[1].ValueKind);
        Assert.Equal(a, list[2].GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Patch_TrimsTheTitle_AndTagsReplaceAll_VisibleInGet()
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = await CreateAsync(server);

        await PatchAsync(server, id, """{"title":"   A tidy title \n "}""");
        await PatchAsync(server, id, """{"tags":{"env":"prod","team":"infra"}}""");
        await PatchAsync(server, id, """{"tags":{"owner":"sam"}}""");

        var info = await GetJsonAsync(server, $"api/conversations/{id}");
        Assert.Equal("A tidy title", info.GetProperty("title").GetString());
        var tag = Assert.Single(info.GetProperty("tags").EnumerateObject());
        Assert.Equal("owner", tag.Name);
        Assert.Equal("sam", tag.Value.GetString());
    }

    [Fact]
    public async Task PatchTags_EmitsAPersistedTagsStateUpdate()
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = await CreateAsync(server);

        await PatchAsync(server, id, """{"tags":{"env":"prod"}}""");
        await PatchAsync(server, id, """{"title":"titles are not state fields"}""");

        var page = await GetJsonAsync(server, $"api/conversations/{id}/events/search?kind=ConversationStateUpdateEvent");
        var update = Assert.Single(page.GetProperty("items").EnumerateArray(), u => u.GetProperty("key").GetString() == "tags");
        Assert.Equal("prod", update.GetProperty("value").GetProperty("env").GetString());
        Assert.Equal("environment", update.GetProperty("source").GetString());
        // Stored, not only broadcast: the single-event route reads it back from the store.
        var byId = await GetJsonAsync(server, $"api/conversations/{id}/events/{update.GetProperty("id").GetString()}");
        Assert.Equal("tags", byId.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Patch_OnUnknownConversation_Answers200WithSuccessFalse()
    {
        await using var server = await TestAgentServer.StartAsync();
        using var response = await server.Http.PatchAsync($"api/conversations/{Guid.NewGuid()}",
            new StringContent("""{"title":"x"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Delete_Returns200_ThenTheConversationIsGoneFromGetSearchCountAndBatch()
    {
        await using var server = await TestAgentServer.StartAsync();
        var kept = await CreateAsync(server);
        var doomed = await CreateAsync(server);

        using (var delete = await server.Http.DeleteAsync($"api/conversations/{doomed}"))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
            Assert.True(JsonDocument.Parse(await delete.Content.ReadAsStringAsync()).RootElement.GetProperty("success").GetBoolean());
        }

        using (var get = await server.Http.GetAsync($"api/conversations/{doomed}"))
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        using (var events = await server.Http.GetAsync($"api/conversations/{doomed}/events/search"))
            Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
        Assert.Equal([kept], await SearchIdsAsync(server, ""));
        Assert.Equal(1, await CountAsync(server, ""));
        Assert.Equal(JsonValueKind.Null, (await GetJsonAsync(server, $"api/conversations?ids={doomed}"))[0].ValueKind);
        // Deleting again: OpenHands answers 400, not 404.
        using var again = await server.Http.DeleteAsync($"api/conversations/{doomed}");
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task ConversationInfo_HasTheOpenHandsFields_InOrder_WithSecretsRedacted()
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = await CreateAsync(server);

        var info = await GetJsonAsync(server, $"api/conversations/{id}");

        string[] fields =
        [
            "id", "workspace", "persistence_dir", "max_iterations", "stuck_detection", "execution_status", "confirmation_policy",
            "security_analyzer", "activated_knowledge_skills", "invoked_skills", "blocked_actions", "blocked_messages",
            "last_user_message_id", "leaf_event_id", "stats", "secret_registry", "agent_state", "hook_config", "title", "metrics",
            "created_at", "updated_at", "forked_from_conversation_id", "forked_from_event_id", "parent_conversation_id",
            "sub_conversation_ids", "tags", "current_model_id", "available_models", "supports_runtime_model_switch",
            "launched_agent_profile", "agent", "client_tools",
        ];
        Assert.Equal(fields, info.EnumerateObject().Select(p => p.Name));

        Assert.Matches(DashedUuid(), info.GetProperty("id").GetString());
        Assert.Equal(id, info.GetProperty("id").GetGuid());
        Assert.Equal("LocalWorkspace", info.GetProperty("workspace").GetProperty("kind").GetString());
        Assert.Equal(Path.GetTempPath(), info.GetProperty("workspace").GetProperty("working_dir").GetString());
        Assert.EndsWith(id.ToString("N"), info.GetProperty("persistence_dir").GetString());
        Assert.Equal(50, info.GetProperty("max_iterations").GetInt32());
        Assert.True(info.GetProperty("stuck_detection").GetBoolean());
        Assert.Equal("idle", info.GetProperty("execution_status").GetString());
        Assert.Equal("NeverConfirm", info.GetProperty("confirmation_policy").GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Object, info.GetProperty("stats").GetProperty("usage_to_metrics").ValueKind);
        Assert.Equal(JsonValueKind.Object, info.GetProperty("secret_registry").GetProperty("secret_sources").ValueKind);
        Assert.Equal(JsonValueKind.Object, info.GetProperty("agent_state").ValueKind);
        Assert.EndsWith("Z", info.GetProperty("created_at").GetString());
        Assert.EndsWith("Z", info.GetProperty("updated_at").GetString());
        Assert.True(info.GetProperty("updated_at").GetDateTimeOffset() >= info.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Object, info.GetProperty("tags").ValueKind);
        Assert.Equal(JsonValueKind.Array, info.GetProperty("sub_conversation_ids").ValueKind);
        Assert.Equal(JsonValueKind.Array, info.GetProperty("client_tools").ValueKind);
        var agent = info.GetProperty("agent");
        Assert.Equal("Agent", agent.GetProperty("kind").GetString());
        Assert.Equal("**********", agent.GetProperty("llm").GetProperty("api_key").GetString());
        Assert.Equal("openai/scripted-model", agent.GetProperty("llm").GetProperty("model").GetString());
        Assert.DoesNotContain(Requests.ApiKey, info.GetRawText());
    }

    [Fact]
    public async Task OpenApiDocument_IsServed_AndListsTheConversationAndEventRoutes()
    {
        await using var server = await TestAgentServer.StartAsync();

        var doc = await GetJsonAsync(server, "openapi.json");

        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/conversations", paths);
        Assert.Contains("/api/conversations/search", paths);
        Assert.Contains("/api/conversations/{conversation_id}", paths);
        Assert.Contains("/api/conversations/{conversation_id}/events/search", paths);
        Assert.DoesNotContain(paths, p => p.Contains("generate_title", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerInfo_ListsFinishAndThinkAsUsableTools()
    {
        await using var server = await TestAgentServer.StartAsync();

        var info = await GetJsonAsync(server, "server_info");

        var tools = info.GetProperty("usable_tools").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("finish", tools);
        Assert.Contains("think", tools);
    }

    private static async Task<Guid> CreateAsync(TestAgentServer server)
    {
        var (info, created) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm));
        Assert.True(created);
        return info.Id;
    }

    private static Task<HttpResponseMessage> PostCreateAsync(TestAgentServer server, StartConversationRequest request) =>
        server.Http.PostAsync("api/conversations", JsonContent.Create(request, Contracts.Json.DeckhandJson.Storage.StartConversationRequest));

    private static async Task PatchAsync(TestAgentServer server, Guid id, string body)
    {
        using var response = await server.Http.PatchAsync($"api/conversations/{id}", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("success").GetBoolean());
    }

    private static async Task<List<Guid>> SearchIdsAsync(TestAgentServer server, string query)
    {
        var page = await GetJsonAsync(server, $"api/conversations/search?{query}");
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_page_id").ValueKind);
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
    }

    private static async Task<long> CountAsync(TestAgentServer server, string query) =>
        (await GetJsonAsync(server, $"api/conversations/count?{query}")).GetInt64();

    private static Task<JsonElement> GetJsonAsync(TestAgentServer server, string path) => EventSearchTests.GetJsonAsync(server.Http, path);

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex HexId();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex DashedUuid();
}
