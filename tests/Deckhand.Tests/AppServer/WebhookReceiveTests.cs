using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.AppServer.Storage;
using Deckhand.AppServer.Webhooks;
using Deckhand.Tests.AppServer.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AppServer;

/// <summary>
/// The app server's webhook routes (V1 spec §1 rows 21-22, §7.3) and its event copy's search routes (rows 17-19, both
/// shapes), on SQLite and PostgreSQL.
/// </summary>
public sealed class WebhookReceiveTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task EventBatches_AreStoredOnceInArrivalOrder_AndSearchable_UnderBothRouteShapes(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));
        var sandbox = await FakeSandbox.RegisterAsync(server);
        var conversation = Guid.NewGuid();
        var e1 = FakeSandbox.Event("SystemPromptEvent", "2026-03-01T10:00:00.000001");
        var e2 = FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:01.000000");
        var e3 = FakeSandbox.Event("ActionEvent", "2026-03-01T10:00:02.000000");
        var e4 = FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:03.000000", text: "second");

        using (var first = await sandbox.PostEventsAsync(conversation, e1, e2, e3))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("""{"success":true}""", await first.Content.ReadAsStringAsync());
        }
        // A retried batch overlaps what was stored; the later URL shape (no sandbox id, dashed id) works the same.
        using (var retry = await sandbox.PostAsync($"events/{conversation:D}", new JsonArray(e2.DeepClone(), e3.DeepClone(), e4.DeepClone()).ToJsonString()))
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);

        var ids = new[] { e1, e2, e3, e4 }.Select(e => e["id"]!.GetValue<string>()).ToList();
        Assert.Equal("4", await server.Http.GetStringAsync($"api/v1/events/count?conversation_id__eq={conversation:N}"));
        Assert.Equal("4", await server.Http.GetStringAsync($"api/v1/conversation/{conversation:N}/events/count"));
        Assert.Equal(ids, await SearchIdsAsync(server, $"api/v1/events/search?conversation_id__eq={conversation:N}"));
        Assert.Equal(ids, await SearchIdsAsync(server, $"api/v1/conversation/{conversation:D}/events/search"));
        Assert.Equal(Enumerable.Reverse(ids), await SearchIdsAsync(server, $"api/v1/events/search?conversation_id__eq={conversation:N}&sort_order=TIMESTAMP_DESC"));
        Assert.Equal([ids[1], ids[3]], await SearchIdsAsync(server, $"api/v1/events/search?conversation_id__eq={conversation:N}&kind__eq=MessageEvent"));
        Assert.Equal("2", await server.Http.GetStringAsync($"api/v1/events/count?conversation_id__eq={conversation:N}&kind__eq=MessageEvent"));
        Assert.Equal([ids[1], ids[2]], await SearchIdsAsync(server,
            $"api/v1/events/search?conversation_id__eq={conversation:N}&timestamp__gte=2026-03-01T10:00:01&timestamp__lt=2026-03-01T10:00:03"));

        // Paging: opaque next_page_id until the end.
        var page = JsonDocument.Parse(await server.Http.GetStringAsync($"api/v1/events/search?conversation_id__eq={conversation:N}&limit=3")).RootElement;
        Assert.Equal(3, page.GetProperty("items").GetArrayLength());
        var next = page.GetProperty("next_page_id").GetString();
        var rest = JsonDocument.Parse(await server.Http.GetStringAsync($"api/v1/events/search?conversation_id__eq={conversation:N}&limit=3&page_id={next}")).RootElement;
        Assert.Equal(ids[3], Assert.Single(rest.GetProperty("items").EnumerateArray().ToList()).GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("next_page_id").ValueKind);

        // Events come back as the agent-server sent them (nulls too).
        var stored = JsonDocument.Parse(await server.Http.GetStringAsync($"api/v1/events?id={ids[2]}&id=no-such-event&id={ids[0]}")).RootElement;
        Assert.Equal(3, stored.GetArrayLength());
        Assert.Equal(ids[2], stored[0].GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, stored[1].ValueKind);
        Assert.Equal(JsonValueKind.Null, stored[0].GetProperty("parent_id").ValueKind);
        Assert.Equal("SystemPromptEvent", stored[2].GetProperty("kind").GetString());
        var inConversation = JsonDocument.Parse(await server.Http.GetStringAsync($"api/v1/conversation/{conversation:N}/events?id={ids[3]}")).RootElement;
        Assert.Equal("second", inConversation[0].GetProperty("llm_message").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("[null]", await server.Http.GetStringAsync($"api/v1/conversation/{Guid.NewGuid():N}/events?id={ids[3]}"));

        // The unknown conversation got a row owned by the sandbox's owner, with a placeholder title.
        var row = await server.App.Services.GetRequiredService<ConversationMetadataUpdates>().GetAsync(conversation);
        Assert.Equal(sandbox.Id, row!.SandboxId);
        Assert.Null(row.UserId);
        Assert.Equal(ConversationMetadataUpdates.Placeholder(conversation), row.Title);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task ConversationInfo_RefreshesTheRow_KeepingWhatTheAppServerKnew(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));
        var sandbox = await FakeSandbox.RegisterAsync(server);
        var conversation = Guid.NewGuid();
        // What the start flow wrote before the agent-server said anything.
        await ExecuteAsync(server, "INSERT INTO conversation_metadata (conversation_id, user_id, selected_repository, selected_branch, title, sandbox_id, conversation_version, created_at) "
            + "VALUES (@id, '', 'acme/app', 'main', NULL, @sandbox, 'V1', @created);",
            ("@id", conversation.ToString("D")), ("@sandbox", sandbox.Id), ("@created", Time(server, DateTimeOffset.Parse("2026-01-02T03:04:05Z"))));

        var info = Info(conversation, title: "Fix the login bug", model: "openai/gpt-4o", cost: 0.25, prompt: 1200, completion: 80);
        using (var response = await sandbox.PostAsync($"{sandbox.Id}/conversations", info))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await ReadRowAsync(server, conversation);
        Assert.Equal("acme/app", row["selected_repository"]);
        Assert.Equal("main", row["selected_branch"]);
        Assert.Equal("Fix the login bug", row["title"]);
        Assert.Equal("openai/gpt-4o", row["llm_model"]);
        Assert.Equal(0.25, Convert.ToDouble(row["accumulated_cost"]));
        Assert.Equal(1200L, Convert.ToInt64(row["prompt_tokens"]));
        Assert.Equal(80L, Convert.ToInt64(row["completion_tokens"]));
        Assert.Equal("V1", row["conversation_version"]);
        var created = row["created_at"] switch { DateTime d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)![..10] };
        Assert.Equal("2026-01-02", created);

        // A later info (e.g. on pause) keeps the real title; the later URL shape finds the sandbox by its key.
        using (var again = await sandbox.PostAsync("conversations", Info(conversation, title: "Another title", model: "anthropic/claude", cost: 0.5, prompt: 2000, completion: 100)))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        row = await ReadRowAsync(server, conversation);
        Assert.Equal("Fix the login bug", row["title"]);
        Assert.Equal("anthropic/claude", row["llm_model"]);
        Assert.Equal(2000L, Convert.ToInt64(row["prompt_tokens"]));

        // "deleting" changes nothing.
        using (var deleting = await sandbox.PostAsync("conversations", Info(conversation, title: null, model: "x/deleted", status: "deleting")))
            Assert.Equal(HttpStatusCode.OK, deleting.StatusCode);
        Assert.Equal("anthropic/claude", (await ReadRowAsync(server, conversation))["llm_model"]);

        // Someone else's conversation: 401, untouched.
        var theirs = Guid.NewGuid();
        await ExecuteAsync(server, "INSERT INTO conversation_metadata (conversation_id, user_id, title, conversation_version) VALUES (@id, 'someone-else', 'Theirs', 'V1');",
            ("@id", theirs.ToString("D")));
        using (var refused = await sandbox.PostAsync("conversations", Info(theirs, title: "Mine now", model: "m")))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var refusedEvents = await sandbox.PostEventsAsync(theirs, FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:00.000000")))
            Assert.Equal(HttpStatusCode.Unauthorized, refusedEvents.StatusCode);
        Assert.Equal("Theirs", (await ReadRowAsync(server, theirs))["title"]);
        Assert.Equal("0", await server.Http.GetStringAsync($"api/v1/events/count?conversation_id__eq={theirs:N}"));
    }

    [Fact]
    public async Task Webhooks_TakeOnlyTheSandboxKey_NotTheAppKey_AndRefuseBadBodies()
    {
        await using var server = await TestAppServer.StartAsync(apiKey: "app-api-key-77");
        var sandbox = await FakeSandbox.RegisterAsync(server);
        var other = await FakeSandbox.RegisterAsync(server);
        var conversation = Guid.NewGuid();
        var batch = new JsonArray(FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:00.000000")).ToJsonString();

        await AssertDetailAsync(HttpStatusCode.Unauthorized, "X-Session-API-Key header is required",
            await sandbox.PostAsync($"{sandbox.Id}/events/{conversation:N}", batch, withKey: false));
        await AssertDetailAsync(HttpStatusCode.Unauthorized, "Invalid session API key",
            await sandbox.PostAsync($"{sandbox.Id}/events/{conversation:N}", batch, key: "app-api-key-77"));
        await AssertDetailAsync(HttpStatusCode.Unauthorized, "Invalid session API key",
            await sandbox.PostAsync($"{sandbox.Id}/events/{conversation:N}", batch, key: other.Key));
        await AssertDetailAsync(HttpStatusCode.Unauthorized, "Invalid session API key",
            await sandbox.PostAsync($"events/{conversation:N}", batch, key: "no-such-key"));
        await AssertDetailAsync(HttpStatusCode.Unauthorized, "Invalid session API key",
            await sandbox.PostAsync($"no-such-sandbox/conversations", Info(conversation, "t", "m")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await sandbox.PostAsync($"events/{conversation:N}", "not json")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await sandbox.PostAsync($"events/{conversation:N}", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await sandbox.PostAsync($"events/{conversation:N}", """[{"kind":"MessageEvent"}]""")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await sandbox.PostAsync("events/not-a-uuid", batch)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await sandbox.PostAsync("conversations", """{"title":"no id"}""")).StatusCode);
        Assert.Equal("0", await server.Http.GetStringAsync($"api/v1/events/count?conversation_id__eq={conversation:N}"));

        // The sandbox's own key works on both shapes, without the app's key.
        Assert.Equal(HttpStatusCode.OK, (await sandbox.PostAsync($"events/{conversation:N}", batch)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync($"{other.Id}/conversations", Info(Guid.NewGuid(), "t", "m"))).StatusCode);
        Assert.Equal("1", await server.Http.GetStringAsync($"api/v1/events/count?conversation_id__eq={conversation:N}"));
        // The events routes themselves still need the app's key.
        using var anonymous = new HttpClient { BaseAddress = server.BaseUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"api/v1/events/count?conversation_id__eq={conversation:N}")).StatusCode);
        // Bad search input is a 422.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Http.GetAsync("api/v1/events/search?conversation_id__eq=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Http.GetAsync("api/v1/events/search?limit=101")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Http.GetAsync("api/v1/events/search?sort_order=SIDEWAYS")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Http.GetAsync("api/v1/events/search?timestamp__gte=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Http.GetAsync("api/v1/events")).StatusCode);
        var tooMany = string.Join("&", Enumerable.Range(0, 101).Select(i => $"id=e{i}"));
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.GetAsync($"api/v1/events?{tooMany}")).StatusCode);
    }

    internal static string Info(Guid id, string? title, string model, double cost = 0, long prompt = 0, long completion = 0, string status = "idle") =>
        new JsonObject
        {
            ["id"] = id.ToString("D"),
            ["title"] = title,
            ["execution_status"] = status,
            ["agent"] = new JsonObject { ["llm"] = new JsonObject { ["model"] = model, ["api_key"] = "**********" }, ["kind"] = "Agent" },
            ["stats"] = new JsonObject
            {
                ["usage_to_metrics"] = new JsonObject
                {
                    ["default"] = new JsonObject
                    {
                        ["accumulated_cost"] = cost,
                        ["accumulated_token_usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion },
                    },
                },
            },
            ["tags"] = new JsonObject(),
        }.ToJsonString();

    private static async Task<List<string>> SearchIdsAsync(TestAppServer server, string url)
    {
        var page = JsonDocument.Parse(await server.Http.GetStringAsync(url)).RootElement;
        return [.. page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
    }

    private static async Task AssertDetailAsync(HttpStatusCode status, string detail, HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(detail, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        }
    }

    private static object Time(TestAppServer server, DateTimeOffset value) => server.App.Services.GetRequiredService<AppDatabase>().Dialect.Time(value);

    private static async Task ExecuteAsync(TestAppServer server, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await server.App.Services.GetRequiredService<AppDatabase>().OpenAsync();
        await using var command = connection.Command(sql);
        foreach (var (name, value) in parameters)
            command.With(name, value);
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<Dictionary<string, object?>> ReadRowAsync(TestAppServer server, Guid conversation)
    {
        await using var connection = await server.App.Services.GetRequiredService<AppDatabase>().OpenAsync();
        await using var command = connection.Command("SELECT * FROM conversation_metadata WHERE conversation_id = @id;").With("@id", conversation.ToString("D"));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no conversation_metadata row");
        return Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i));
    }
}
