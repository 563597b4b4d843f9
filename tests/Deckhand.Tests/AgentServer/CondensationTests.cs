using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

public sealed class CondensationTests
{
    private const string TooLong = "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. (context_length_exceeded)";
    private const string SummaryText = "GOAL: say hello. DONE: planned steps one to four. PENDING: finish.";

    private static ScriptedReply Think(int i) => ScriptedReply.ToolCall("think", new { thought = $"step {i} " + new string('x', 200) });

    [Fact]
    public async Task ContextWindowError_CondensesOnce_RetriesTheStep_AndFinishes()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(Think(1), Think(2), Think(3), Think(4),
            ScriptedReply.Error(400, TooLong),
            ScriptedReply.Text(SummaryText),
            ScriptedReply.ToolCall("finish", new { message = "Hello!" }));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "Say hello"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        Assert.Equal(7, llm.Requests.Count);
        Assert.Equal(0, llm.UnscriptedRequests);
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.Empty(events.OfType<ConversationErrorEvent>());
        // The summary call is counted once, under its own usage id (the scripted usage is 100 prompt tokens per call).
        var usage = (await server.Client.GetConversationAsync(created.Id))!.Stats.UsageToMetrics;
        Assert.Equal(100, usage["condenser"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal(500, usage["default"].AccumulatedTokenUsage!.PromptTokens);
        var condensation = Assert.Single(events.OfType<Condensation>());
        Assert.Equal(SummaryText, condensation.Summary);
        Assert.NotEmpty(condensation.ForgottenEventIds);
        // Non-destructive: the forgotten events are still in the log.
        var ids = events.Select(e => e.Id).ToHashSet();
        Assert.All(condensation.ForgottenEventIds, id => Assert.Contains(id, ids));

        // The summary request has no tools and carries the forgotten events.
        var summaryRequest = llm.Requests[5];
        Assert.Empty(summaryRequest.ToolNames);
        Assert.Contains("step 2", summaryRequest.Body);

        var before = llm.Requests[4];
        var after = llm.Requests[6];
        Assert.True(after.Body.Length < before.Body.Length, "the request after condensation should be shorter");
        Assert.True(after.Messages.Count < before.Messages.Count);
        Assert.Equal("system", after.MessageRole(0));
        Assert.Equal("Say hello", after.MessageText(1));
        Assert.Contains(after.Messages, m => m.GetProperty("role").GetString() == "user"
            && (m.GetProperty("content").ValueKind == JsonValueKind.String ? m.GetProperty("content").GetString()! : m.GetProperty("content").ToString()).Contains(SummaryText));
        // Spec §4.6, a REQUEST keeps len(view)//2 - keep_first - 1 recent events: with 10 events and keep_first 4, none.
        // The head (system, task, first call and result) stays; the rest lives on in the summary.
        Assert.Contains("step 1", after.Body);
        Assert.DoesNotContain("step 2", after.Body);
        Assert.DoesNotContain("step 4", after.Body);
        Assert.Contains("step 4", summaryRequest.Body);
        AssertEveryToolResultHasItsCall(after);
    }

    [Fact]
    public async Task ContextWindowError_AfterCondensing_StopsWithAReadableError()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(Think(1), Think(2), Think(3),
            ScriptedReply.Error(400, TooLong),
            ScriptedReply.Text(SummaryText),
            ScriptedReply.Error(400, TooLong));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "Say hello"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        Assert.Equal(6, llm.Requests.Count);
        Assert.Equal(0, llm.UnscriptedRequests);
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.Single(events.OfType<Condensation>());
        var error = Assert.Single(events.OfType<ConversationErrorEvent>());
        Assert.Equal("LLMContextWindowExceedError", error.Code);
        Assert.Contains("condensation did not help", error.Detail);
    }

    [Fact]
    public async Task ContextWindowError_WithNothingToForget_StopsWithoutCallingForASummary()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Error(400, TooLong));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "Say hello"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        Assert.Single(llm.Requests);
        var error = Assert.Single((await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>());
        Assert.Equal("LLMContextWindowExceedError", error.Code);
        Assert.Contains("nothing left to condense", error.Detail);
    }

    [Fact]
    public async Task CondenseEndpoint_CondensesAnIdleConversation_And404sForUnknown()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(Think(1), Think(2), Think(3), Think(4), ScriptedReply.ToolCall("finish", new { message = "done" }),
            ScriptedReply.Text(SummaryText));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "Say hello"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        using var response = await server.Http.PostAsync($"api/conversations/{created.Id}/condense", null, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("{\"success\":true}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.Single(events.OfType<CondensationRequest>());
        Assert.Equal(SummaryText, Assert.Single(events.OfType<Condensation>()).Summary);
        Assert.Equal(6, llm.Requests.Count);

        using var missing = await server.Http.PostAsync($"api/conversations/{Guid.NewGuid()}/condense", null, TestContext.Current.CancellationToken);
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [Theory]
    [InlineData(10, 4)]
    [InlineData(8, 4)]
    public async Task Create_WithAMaxSizeLeavingNoRoomForRecentEvents_Is422(int maxSize, int keepFirst)
    {
        await using var server = await TestAgentServer.StartAsync();
        var request = Requests.Start(new Uri("http://127.0.0.1:9/v1"));
        request.Agent!.Condenser = new LLMSummarizingCondenser { MaxSize = maxSize, KeepFirst = keepFirst };

        using var response = await server.Http.PostAsync("api/conversations",
            JsonContent(request), TestContext.Current.CancellationToken);

        Assert.Equal(422, (int)response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("max_size // 2 - keep_first - 1 must be positive", body);
        Assert.Contains("\"condenser\"", body);
        Assert.Empty((await server.Client.SearchConversationsAsync()).Items);
    }

    [Fact]
    public async Task CondenserLlmKey_IsAccepted_AndNeverShown()
    {
        const string condenserKey = "sk-condenser-secret-456";
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var request = Requests.Start(llm.BaseUrl);
        request.Agent!.Condenser = new LLMSummarizingCondenser
        {
            Llm = new LlmConfig { Model = "openai/summary-model", BaseUrl = llm.BaseUrl.ToString(), ApiKey = new SecretString(condenserKey) },
            MaxSize = 80,
            KeepFirst = 4,
        };

        var (created, _) = await server.Client.CreateConversationAsync(request);
        using var response = await server.Http.GetAsync($"api/conversations/{created.Id}", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("\"kind\":\"LLMSummarizingCondenser\"", body);
        Assert.Contains("summary-model", body);
        Assert.DoesNotContain(condenserKey, body);
    }

    [Fact]
    public async Task CondenseEndpoint_WithANoOpCondenser_Is400_AndRecordsNothing()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var request = Requests.Start(llm.BaseUrl);
        request.Agent!.Condenser = new NoOpCondenser();
        var (created, _) = await server.Client.CreateConversationAsync(request);

        using var response = await server.Http.PostAsync($"api/conversations/{created.Id}/condense", null, TestContext.Current.CancellationToken);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("does not condense", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain(await server.Client.AllEventsAsync(created.Id), e => e is CondensationRequest);
        Assert.Empty(llm.Requests);
    }

    private static StringContent JsonContent(StartConversationRequest request) =>
        new(JsonSerializer.Serialize(request, Contracts.Json.DeckhandJson.Storage.StartConversationRequest), System.Text.Encoding.UTF8, "application/json");

    private static void AssertEveryToolResultHasItsCall(ScriptedRequest request)
    {
        var called = new HashSet<string>();
        foreach (var m in request.Messages)
        {
            if (m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var c in calls.EnumerateArray())
                    called.Add(c.GetProperty("id").GetString()!);
            }
            if (m.GetProperty("role").GetString() == "tool")
                Assert.Contains(m.GetProperty("tool_call_id").GetString()!, called);
        }
    }
}
