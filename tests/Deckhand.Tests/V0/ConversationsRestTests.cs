using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.V0;

/// <summary>
/// The V0 conversation routes that need no running sandbox: create validation and errors, id checks, unknown ids, and
/// the legacy list (paging, filters, max age, V1 rows through the shim) over rows written straight to the catalogue.
/// </summary>
public sealed class ConversationsRestTests(PostgresServer postgres)
{
    [Fact]
    public async Task Create_RejectsUnknownKeys_BadReplayJson_AndAnswersSettingsErrors()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);

        var unknown = await flow.JsonAsync(HttpMethod.Post, "api/conversations", """{"initial_user_msg":"hi","colour":"red"}""", HttpStatusCode.UnprocessableEntity);
        var problem = Assert.Single(unknown.GetProperty("detail").EnumerateArray());
        Assert.Equal("extra_forbidden", problem.GetProperty("type").GetString());
        Assert.Equal(["body", "colour"], problem.GetProperty("loc").EnumerateArray().Select(e => e.GetString()));
        // conversation_id is only accepted when the server allows it.
        await flow.JsonAsync(HttpMethod.Post, "api/conversations", $$"""{"conversation_id":"{{Guid.NewGuid():N}}"}""", HttpStatusCode.UnprocessableEntity);
        var replay = await flow.JsonAsync(HttpMethod.Post, "api/conversations", """{"replay_json":"{\"not\":\"a list\"}"}""", HttpStatusCode.UnprocessableEntity);
        Assert.Equal("replay_json", replay.GetProperty("detail")[0].GetProperty("loc")[1].GetString());
        await flow.JsonAsync(HttpMethod.Post, "api/conversations", """{"image_urls":"not-a-list"}""", HttpStatusCode.UnprocessableEntity);
        await flow.JsonAsync(HttpMethod.Post, "api/conversations", """{"mcp_config":{"servers":[]}}""", HttpStatusCode.UnprocessableEntity);
        await flow.JsonAsync(HttpMethod.Post, "api/conversations",
            """{"suggested_task":{"git_provider":"github","task_type":"OPEN_PR","repo":"a/b","issue_number":1,"title":"t"}}""", HttpStatusCode.UnprocessableEntity);

        // No settings: 400 (the conversation's metadata is saved first, as upstream does).
        var noSettings = await flow.JsonAsync(HttpMethod.Post, "api/conversations", "{}", HttpStatusCode.BadRequest);
        Assert.Equal("""{"status":"error","message":"Settings not found","msg_id":"CONFIGURATION$SETTINGS_NOT_FOUND"}""", noSettings.GetRawText());
        var listed = await flow.JsonAsync(HttpMethod.Get, "api/conversations");
        Assert.Equal("STOPPED", Assert.Single(listed.GetProperty("results").EnumerateArray()).GetProperty("status").GetString());

        // A model but no key.
        await flow.JsonAsync(HttpMethod.Post, "api/settings", """{"llm_model":"openai/gpt-4o"}""");
        var noKey = await flow.JsonAsync(HttpMethod.Post, "api/conversations", "{}", HttpStatusCode.BadRequest);
        Assert.Equal("STATUS$ERROR_LLM_AUTHENTICATION", noKey.GetProperty("msg_id").GetString());
        Assert.Equal("error", noKey.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ConversationIds_AreChecked_UnknownOnesAnswerNullFalseAnd404()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);

        Assert.Equal("null", (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{Guid.NewGuid():N}")).Body);
        Assert.Equal("null", (await flow.SendAsync(HttpMethod.Get, "api/conversations/not-a-uuid")).Body);
        Assert.False((await flow.JsonAsync(HttpMethod.Delete, $"api/conversations/{Guid.NewGuid():N}")).GetBoolean());
        var unknown = Guid.NewGuid().ToString("N");
        var start = await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{unknown}/start", "{}", HttpStatusCode.NotFound);
        Assert.Equal($$"""{"status":"error","conversation_id":"{{unknown}}"}""", start.GetRawText());
        var stop = await flow.JsonAsync(HttpMethod.Post, $"api/conversations/{unknown}/stop");
        Assert.Equal("STOPPED", stop.GetProperty("conversation_status").GetString());
        Assert.Equal("Conversation was not running", stop.GetProperty("message").GetString());

        await AssertBadIdAsync(flow, new string('a', 101), "Conversation ID is too long");
        await AssertBadIdAsync(flow, "a..b", "Conversation ID contains invalid path characters");
        await AssertBadIdAsync(flow, "a%5Cb", "Conversation ID contains invalid path characters");
        await AssertBadIdAsync(flow, "a%01b", "Conversation ID contains control characters");
    }

    private static async Task AssertBadIdAsync(AppFlow flow, string id, string detail)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, ""), (HttpMethod.Delete, ""), (HttpMethod.Post, "/stop") })
        {
            var (status, body) = await flow.SendAsync(method, $"api/conversations/{id}{path}");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(detail, AppFlow.Parse(body).GetProperty("detail").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task List_PagesAcrossV0AndV1_Filters_HidesOldV0_AndShimsV1Rows(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));
        var flow = new AppFlow(server);
        var repository = server.App.Services.GetRequiredService<AppConversationInfoRepository>();
        var now = DateTimeOffset.UtcNow;
        var ids = new List<Guid>();
        // Newest first: v0, v1, v0, v1, v0 (minutes apart); plus a V0 row past the max age.
        for (var i = 0; i < 5; i++)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            await repository.SaveAsync(new AppConversationInfo
            {
                Id = id,
                SandboxId = i % 2 == 0 ? "" : "gone-sandbox",
                SelectedRepository = i < 2 ? "acme/rockets" : "acme/boats",
                Trigger = i == 4 ? "microagent_management" : "gui",
                Title = i == 3 ? null : $"row {i}",
                CreatedAt = now.AddMinutes(-i),
                UpdatedAt = now.AddMinutes(-i),
                Version = i % 2 == 0 ? "V0" : "V1",
            });
        }
        await repository.SaveAsync(new AppConversationInfo
        {
            Id = Guid.NewGuid(), SandboxId = "", CreatedAt = now.AddDays(-11), UpdatedAt = now.AddDays(-11), Version = "V0",
        });

        var seen = new List<string>();
        string? page = null;
        var pages = 0;
        do
        {
            var body = await flow.JsonAsync(HttpMethod.Get, "api/conversations?limit=2" + (page is null ? "" : "&page_id=" + Uri.EscapeDataString(page)));
            var results = body.GetProperty("results").EnumerateArray().ToList();
            Assert.True(results.Count <= 2);
            seen.AddRange(results.Select(r => r.GetProperty("conversation_id").GetString()!));
            page = body.GetProperty("next_page_id").GetString();
            if (page is not null)
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(page));
                Assert.StartsWith("{\"v0\": ", decoded);
                Assert.Contains(", \"v1\": ", decoded);
            }
            pages++;
        }
        while (page is not null && pages < 10);
        Assert.Equal(ids.Select(i => i.ToString("N")), seen);

        var all = await flow.JsonAsync(HttpMethod.Get, "api/conversations");
        var items = all.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next_page_id").ValueKind);
        Assert.Equal(["V0", "V1", "V0", "V1", "V0"], items.Select(r => r.GetProperty("conversation_version").GetString()));
        var v1 = items[1];
        Assert.Equal("ARCHIVED", v1.GetProperty("status").GetString()); // its sandbox is gone
        Assert.Equal(JsonValueKind.Null, v1.GetProperty("runtime_status").ValueKind);
        Assert.Equal(JsonValueKind.Null, v1.GetProperty("url").ValueKind);
        Assert.StartsWith("Conversation ", items[3].GetProperty("title").GetString()); // V1 without a title
        Assert.Equal("STOPPED", items[0].GetProperty("status").GetString());
        Assert.Equal($"/api/conversations/{ids[0]:N}", items[0].GetProperty("url").GetString());

        var rockets = await flow.JsonAsync(HttpMethod.Get, "api/conversations?selected_repository=acme/rockets");
        Assert.Equal(ids.Take(2).Select(i => i.ToString("N")), rockets.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("conversation_id").GetString()));
        var micro = await flow.JsonAsync(HttpMethod.Get, "api/conversations?conversation_trigger=microagent_management");
        Assert.Equal(ids[4].ToString("N"), Assert.Single(micro.GetProperty("results").EnumerateArray()).GetProperty("conversation_id").GetString());
        await flow.JsonAsync(HttpMethod.Get, "api/conversations?conversation_trigger=carrier_pigeon", expected: HttpStatusCode.UnprocessableEntity);
        await flow.JsonAsync(HttpMethod.Get, "api/conversations?limit=ten", expected: HttpStatusCode.UnprocessableEntity);
        var management = await flow.JsonAsync(HttpMethod.Get, "api/microagent-management/conversations?selected_repository=acme/boats");
        Assert.Equal(ids[4].ToString("N"), Assert.Single(management.GetProperty("results").EnumerateArray()).GetProperty("conversation_id").GetString());
        await flow.JsonAsync(HttpMethod.Get, "api/microagent-management/conversations", expected: HttpStatusCode.UnprocessableEntity);

        // One V1 row through the legacy get, dashed or hex; rename and delete through the legacy routes.
        var single = await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{ids[1]:D}");
        Assert.Equal("V1", single.GetProperty("conversation_version").GetString());
        Assert.Equal(ids[1].ToString("N"), single.GetProperty("conversation_id").GetString());
        Assert.Equal(0, single.GetProperty("sub_conversation_ids").GetArrayLength());
        Assert.True((await flow.JsonAsync(HttpMethod.Patch, $"api/conversations/{ids[1]:N}", """{"title":"renamed v1"}""")).GetBoolean());
        Assert.Equal("renamed v1", (await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{ids[1]:N}")).GetProperty("title").GetString());
        Assert.Equal("V1", (await repository.FindAnyAsync(null, ids[1]))!.Version);
        Assert.True((await flow.JsonAsync(HttpMethod.Delete, $"api/conversations/{ids[1]:N}")).GetBoolean());
        Assert.Equal("null", (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{ids[1]:N}")).Body);
    }
}
