using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>One conversation that ran think + finish, shared by the read-only event tests.</summary>
public sealed class FinishedConversation : IAsyncLifetime
{
    public const string InitialMessage = "Please find the Zebra";

    public ScriptedLlmServer Llm { get; private set; } = null!;
    public TestAgentServer Server { get; private set; } = null!;
    public Guid Id { get; private set; }

    /// <summary>Every stored event, in log order, as the search route returns them.</summary>
    public IReadOnlyList<JsonElement> Events { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        Llm = await ScriptedLlmServer.StartAsync();
        // The thought and the finish message mention the zebra too; only message events may match a body search.
        Llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "The ZEBRA is probably in the zoo." }),
            ScriptedReply.ToolCall("finish", new { message = "Found the zebra." }));
        Server = await TestAgentServer.StartAsync();
        var (created, _) = await Server.Client.CreateConversationAsync(Requests.Start(Llm.BaseUrl, InitialMessage));
        Id = created.Id;
        await Wait.ForStatusAsync(Server.Client, Id, ExecutionStatus.Finished);
        var page = await EventSearchTests.GetJsonAsync(Server.Http, $"api/conversations/{Id}/events/search?limit=100");
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_page_id").ValueKind);
        Events = [.. page.GetProperty("items").EnumerateArray()];
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Llm.DisposeAsync();
    }
}

public sealed class EventSearchTests(FinishedConversation run) : IClassFixture<FinishedConversation>
{
    private HttpClient Http => run.Server.Http;
    private string Base => $"api/conversations/{run.Id}/events";

    [Fact]
    public void TheRun_StoredTheExpectedLog()
    {
        var kinds = run.Events.Select(Kind).Where(k => k != "ConversationStateUpdateEvent").ToList();
        Assert.Equal(["SystemPromptEvent", "MessageEvent", "ActionEvent", "ObservationEvent", "ActionEvent", "ObservationEvent"], kinds);
        Assert.True(run.Events.Count >= 8, "state updates are stored in the log too");
    }

    [Theory]
    [InlineData("MessageEvent", "openhands.sdk.event.llm_convertible.message.MessageEvent", 1)]
    [InlineData("ActionEvent", "openhands.sdk.event.llm_convertible.action.ActionEvent", 2)]
    [InlineData("ObservationEvent", "openhands.sdk.event.llm_convertible.observation.ObservationEvent", 2)]
    [InlineData("SystemPromptEvent", "openhands.sdk.event.llm_convertible.system.SystemPromptEvent", 1)]
    public async Task Search_ByShortAndLongKind_ReturnsSameEvents(string shortKind, string longKind, int expected)
    {
        var byShort = Ids(await SearchAsync($"kind={shortKind}"));
        var byLong = Ids(await SearchAsync($"kind={longKind}"));

        Assert.Equal(expected, byShort.Count);
        Assert.Equal(byShort, byLong);
        Assert.Equal(run.Events.Where(e => Kind(e) == shortKind).Select(Id), byShort);
        Assert.Equal(expected, await CountAsync($"kind={longKind}"));
    }

    [Fact]
    public async Task Search_ByLongKindOfStateUpdates_FindsTheStoredStatusChanges()
    {
        var updates = Items(await SearchAsync("kind=openhands.sdk.event.conversation_state.ConversationStateUpdateEvent"));
        var statuses = updates.Where(u => u.GetProperty("key").GetString() == "execution_status")
            .Select(u => u.GetProperty("value").GetString());
        Assert.Equal(["running", "finished"], statuses);
    }

    [Fact]
    public async Task Search_BySource_ReturnsOnlyThatSource_AndTheSourcesCoverTheLog()
    {
        var bySource = new Dictionary<string, List<string>>();
        foreach (var source in new[] { "user", "agent", "environment" })
        {
            var items = Items(await SearchAsync($"source={source}"));
            Assert.All(items, e => Assert.Equal(source, e.GetProperty("source").GetString()));
            Assert.Equal(items.Count, await CountAsync($"source={source}"));
            bySource[source] = [.. items.Select(Id)];
        }

        Assert.Equal(["MessageEvent"], Items(await SearchAsync("source=user")).Select(Kind));
        Assert.Equal(["SystemPromptEvent", "ActionEvent", "ActionEvent"], Items(await SearchAsync("source=agent")).Select(Kind));
        Assert.Equal(run.Events.Select(Id).Order(), bySource.Values.SelectMany(v => v).Order());
        Assert.Empty(Items(await SearchAsync("source=hook")));
    }

    [Theory]
    [InlineData("zebra")]
    [InlineData("ZEBRA")]
    [InlineData("fInD tHe zEb")]
    public async Task Search_ByBody_IsCaseInsensitiveSubstringOfMessageText_AndOtherEventsNeverMatch(string body)
    {
        var items = Items(await SearchAsync($"body={Uri.EscapeDataString(body)}"));

        // The think action and the finish action mention the zebra as well, but only message events are searched.
        var only = Assert.Single(items);
        Assert.Equal("MessageEvent", Kind(only));
        Assert.Equal("user", only.GetProperty("source").GetString());
        Assert.Equal(1, await CountAsync($"body={Uri.EscapeDataString(body)}"));
    }

    [Fact]
    public async Task Search_ByBodyThatMatchesNothing_IsEmpty_EvenCombinedWithKind()
    {
        Assert.Empty(Items(await SearchAsync("body=giraffe")));
        Assert.Empty(Items(await SearchAsync("body=zebra&kind=ActionEvent")));
        Assert.Equal(0, await CountAsync("body=zebra&source=agent"));
    }

    [Fact]
    public async Task Search_ByTimestamp_NaiveZuluAndOffsetFormsAgree()
    {
        var pivot = Timestamp(run.Events[run.Events.Count / 2]);
        var local = DateTime.ParseExact(pivot, "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal);
        var zulu = local.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var offset = new DateTimeOffset(local).ToOffset(TimeSpan.FromMinutes(330)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
        var expectedGte = run.Events.Where(e => string.CompareOrdinal(Timestamp(e), pivot) >= 0).Select(Id).ToList();
        var expectedLt = run.Events.Where(e => string.CompareOrdinal(Timestamp(e), pivot) < 0).Select(Id).ToList();
        Assert.NotEmpty(expectedGte);
        Assert.NotEmpty(expectedLt);

        foreach (var form in new[] { pivot, zulu, offset })
        {
            var t = Uri.EscapeDataString(form);
            Assert.Equal(expectedGte, Ids(await SearchAsync($"timestamp__gte={t}")));
            Assert.Equal(expectedLt, Ids(await SearchAsync($"timestamp__lt={t}")));
            Assert.Equal(expectedGte.Count, await CountAsync($"timestamp__gte={t}"));
            Assert.Equal(expectedLt.Count, await CountAsync($"timestamp__lt={t}"));
        }
    }

    [Fact]
    public async Task Search_ByTimestampWindow_ReturnsEventsInside()
    {
        var from = Timestamp(run.Events[1]);
        var to = Timestamp(run.Events[^1]);
        var expected = run.Events.Where(e => string.CompareOrdinal(Timestamp(e), from) >= 0 && string.CompareOrdinal(Timestamp(e), to) < 0)
            .Select(Id).ToList();

        var query = $"timestamp__gte={Uri.EscapeDataString(from)}&timestamp__lt={Uri.EscapeDataString(to)}";
        Assert.Equal(expected, Ids(await SearchAsync(query)));
        Assert.Equal(expected.Count, await CountAsync(query));
        Assert.DoesNotContain(Id(run.Events[^1]), expected);
    }

    [Fact]
    public async Task Search_TimestampDesc_ReturnsTheLogNewestFirst()
    {
        var descending = Ids(await SearchAsync("sort_order=TIMESTAMP_DESC"));
        Assert.Equal(run.Events.Select(Id).Reverse(), descending);
        Assert.Equal(run.Events.Select(Id), Ids(await SearchAsync("sort_order=TIMESTAMP")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("&sort_order=TIMESTAMP_DESC")]
    [InlineData("&source=environment")]
    public async Task Search_PagingByTwo_VisitsEveryMatchOnce_AndTheLastPageHasNullNextPageId(string filter)
    {
        var expected = Ids(await SearchAsync(filter.TrimStart('&')));
        var seen = new List<string>();
        string? pageId = null;
        var pages = 0;
        while (true)
        {
            var page = await SearchAsync($"limit=2{filter}" + (pageId is null ? "" : $"&page_id={pageId}"));
            var ids = Ids(page);
            Assert.InRange(ids.Count, 1, 2);
            seen.AddRange(ids);
            var next = page.GetProperty("next_page_id");
            Assert.True(++pages <= expected.Count, "paging did not end");
            if (next.ValueKind == JsonValueKind.Null)
                break;
            pageId = next.GetString();
            Assert.NotEqual(ids[^1], pageId);
        }

        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 1) / 2, pages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    [InlineData(-1)]
    public async Task Search_WithLimitOutOfRange_Gets422(int limit)
    {
        using var response = await Http.GetAsync($"{Base}/search?limit={limit}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task Search_WithLimit100_IsAccepted_AndCountWithoutFiltersIsTheWholeLog()
    {
        Assert.Equal(run.Events.Count, Ids(await SearchAsync("limit=100")).Count);
        Assert.Equal(run.Events.Count, await CountAsync(""));
    }

    [Fact]
    public async Task SearchAndCount_OnAnUnknownConversation_Get404()
    {
        var unknown = Guid.NewGuid();
        using var search = await Http.GetAsync($"api/conversations/{unknown}/events/search");
        using var count = await Http.GetAsync($"api/conversations/{unknown}/events/count");
        Assert.Equal(HttpStatusCode.NotFound, search.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, count.StatusCode);
        Assert.Contains($"Conversation not found: {unknown}", await search.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetEvent_ById_ReturnsThatEvent_WithNullsWritten()
    {
        var think = run.Events.First(e => Kind(e) == "ActionEvent");

        var got = await GetJsonAsync(Http, $"{Base}/{Id(think)}");

        Assert.Equal(Id(think), Id(got));
        Assert.Equal("ActionEvent", Kind(got));
        Assert.Equal(think.GetProperty("tool_call_id").GetString(), got.GetProperty("tool_call_id").GetString());
        // Search leaves null fields out; the single-event route writes them, as FastAPI does.
        Assert.False(think.TryGetProperty("reasoning_content", out _));
        Assert.Equal(JsonValueKind.Null, got.GetProperty("reasoning_content").ValueKind);
    }

    [Fact]
    public async Task GetEvent_WithUnknownId_Gets404()
    {
        using var response = await Http.GetAsync($"{Base}/no-such-event");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task BatchGet_WithJsonArrayBody_ReturnsEventsInRequestOrder_WithNullForUnknown()
    {
        var a = Id(run.Events[3]);
        var b = Id(run.Events[0]);
        using var request = new HttpRequestMessage(HttpMethod.Get, Base)
        {
            Content = new StringContent(JsonSerializer.Serialize(new[] { a, "missing-id", b }), Encoding.UTF8, "application/json"),
        };
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(3, list.GetArrayLength());
        Assert.Equal(a, Id(list[0]));
        Assert.Equal(JsonValueKind.Null, list[1].ValueKind);
        Assert.Equal(b, Id(list[2]));
    }

    [Fact]
    public async Task BatchGet_WithRepeatedEventIdsQuery_ReturnsEventsInRequestOrder_WithNullForUnknown()
    {
        var a = Id(run.Events[^1]);
        var b = Id(run.Events[1]);

        var list = await GetJsonAsync(Http, $"{Base}?event_ids={a}&event_ids=missing-id&event_ids={b}");

        Assert.Equal(3, list.GetArrayLength());
        Assert.Equal(a, Id(list[0]));
        Assert.Equal(JsonValueKind.Null, list[1].ValueKind);
        Assert.Equal(b, Id(list[2]));
        Assert.Equal(0, (await GetJsonAsync(Http, Base)).GetArrayLength());
    }

    [Fact]
    public async Task PostEvent_WithRunFalse_AppendsTheMessageWithoutCallingTheLlm_ThenRunTrueStartsARun()
    {
        var (created, _) = await run.Server.Client.CreateConversationAsync(Requests.Start(run.Llm.BaseUrl));
        var events = $"api/conversations/{created.Id}/events";
        var llmCalls = run.Llm.Requests.Count;

        using (var quiet = await PostMessageAsync(events, "just noting this", runNow: false))
        {
            Assert.Equal(HttpStatusCode.OK, quiet.StatusCode);
            Assert.True(JsonDocument.Parse(await quiet.Content.ReadAsStringAsync()).RootElement.GetProperty("success").GetBoolean());
        }
        var noted = Items(await GetJsonAsync(Http, $"{events}/search?kind=MessageEvent"));
        Assert.Equal("just noting this", Assert.Single(noted).GetProperty("llm_message").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(ExecutionStatus.Idle, (await run.Server.Client.GetConversationAsync(created.Id))!.ExecutionStatus);
        Assert.Equal(llmCalls, run.Llm.Requests.Count);

        run.Llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "acted on it" }));
        using (var go = await PostMessageAsync(events, "now act", runNow: true))
            Assert.Equal(HttpStatusCode.OK, go.StatusCode);
        await Wait.ForStatusAsync(run.Server.Client, created.Id, ExecutionStatus.Finished);

        Assert.Equal(llmCalls + 1, run.Llm.Requests.Count);
        var sent = run.Llm.Requests[^1];
        // Both messages reach the model (adjacent user messages may be merged into one).
        Assert.Contains("now act", sent.MessageText(^1));
        Assert.Contains("just noting this", sent.MessageText(^2) + sent.MessageText(^1));
        Assert.Equal("acted on it", await run.Server.Client.GetFinalResponseAsync(created.Id));
    }

    [Fact]
    public async Task PostEvent_ToUnknownConversation_Gets404()
    {
        using var response = await PostMessageAsync($"api/conversations/{Guid.NewGuid()}/events", "hello?", runNow: false);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} -> {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private Task<HttpResponseMessage> PostMessageAsync(string path, string text, bool runNow)
    {
        var body = JsonSerializer.Serialize(new { role = "user", content = new[] { new { type = "text", text } }, run = runNow });
        return Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
    }

    private Task<JsonElement> SearchAsync(string query) => GetJsonAsync(Http, $"{Base}/search?{query}");

    private async Task<long> CountAsync(string query) => (await GetJsonAsync(Http, $"{Base}/count?{query}")).GetInt64();

    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    private static List<string> Ids(JsonElement page) => [.. Items(page).Select(Id)];

    private static string Id(JsonElement e) => e.GetProperty("id").GetString()!;

    private static string Kind(JsonElement e) => e.GetProperty("kind").GetString()!;

    private static string Timestamp(JsonElement e) => e.GetProperty("timestamp").GetString()!;
}
