using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

public sealed class LlmRetryTests
{
    /// <summary>Tiny waits so the tests stay fast; the arithmetic itself is unit-tested in the engine tests.</summary>
    private static StartConversationRequest Start(ScriptedLlmServer llm, int numRetries, double timeout = 30)
    {
        var request = Requests.Start(llm.BaseUrl, "go");
        var config = request.Agent!.Llm;
        config.NumRetries = numRetries;
        config.RetryMultiplier = 0.05;
        config.RetryMinWait = 0.05;
        config.RetryMaxWait = 5;
        config.Timeout = timeout;
        return request;
    }

    private static List<JsonElement> RetryNotices(IEnumerable<Event> events) =>
        [.. events.OfType<ConversationStateUpdateEvent>().Where(u => u.Key == "llm_retry").Select(u => u.Value)];

    [Fact]
    public async Task RateLimit_WithRetryAfter_WaitsThatLong_ThenFinishes()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.Error(429, "Rate limit reached for requests", retryAfterSeconds: 1),
            ScriptedReply.ToolCall("finish", new { message = "done after waiting" }));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, numRetries: 5));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        Assert.Equal(2, llm.Requests.Count);
        Assert.Equal("done after waiting", await server.Client.GetFinalResponseAsync(created.Id));
        var notice = Assert.Single(RetryNotices(await server.Client.AllEventsAsync(created.Id)));
        Assert.Equal(1.0, notice.GetProperty("wait_seconds").GetDouble(), 2);
        Assert.Equal(2, notice.GetProperty("attempt").GetInt32());
        Assert.Equal(5, notice.GetProperty("max_attempts").GetInt32());
        Assert.Equal("LLMRateLimitError", notice.GetProperty("code").GetString());
        Assert.Equal("The LLM provider is rate limiting requests; retrying in 1 s (attempt 2 of 5)", notice.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ServerErrors_UntilRetriesRunOut_EndInAReadableError_AndServerKeepsServing()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.Error(500, "The server had an error while processing your request"),
            ScriptedReply.Error(502, "Bad gateway"),
            ScriptedReply.Error(500, "The server had an error while processing your request"));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, numRetries: 3));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        var events = await server.Client.AllEventsAsync(created.Id);
        var error = events.OfType<ConversationErrorEvent>().Single();
        Assert.Equal("LLMServiceUnavailableError", error.Code);
        Assert.StartsWith("The LLM provider is unavailable (HTTP 500)", error.Detail);
        Assert.EndsWith("Gave up after 3 attempts.", error.Detail);
        Assert.Equal(3, llm.Requests.Count);
        Assert.Equal([2, 3], RetryNotices(events).Select(n => n.GetProperty("attempt").GetInt32()));
        Assert.Equal(0, llm.UnscriptedRequests);
        Assert.Equal("ok", JsonDocument.Parse(await server.Http.GetStringAsync("health", TestContext.Current.CancellationToken))
            .RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task HungProvider_HitsTheTimeout_IsRetried_ThenTheRunErrors()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Hang(), ScriptedReply.Hang());
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, numRetries: 2, timeout: 1));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        var events = await server.Client.AllEventsAsync(created.Id);
        var error = events.OfType<ConversationErrorEvent>().Single();
        Assert.Equal("LLMTimeoutError", error.Code);
        Assert.Contains("timed out after 1 s", error.Detail);
        Assert.Equal(2, llm.Requests.Count);
        Assert.Equal("LLMTimeoutError", Assert.Single(RetryNotices(events)).GetProperty("code").GetString());
        // The attempts were cancelled, not left hanging on the provider.
        await Task.WhenAll(llm.Requests.Select(r => r.Aborted)).WaitAsync(Wait.Default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Unauthorized_IsNotRetried()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Error(401, "Incorrect API key provided"));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, numRetries: 5));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.Equal("LLMAuthenticationError", events.OfType<ConversationErrorEvent>().Single().Code);
        Assert.Empty(RetryNotices(events));
        Assert.Single(llm.Requests);
    }

    [Fact]
    public async Task ApiKey_EchoedByTheProvider_AppearsInNoResponseEventOrLogLine()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.Error(429, "Rate limit reached for key " + Requests.ApiKey),
            ScriptedReply.Error(401, "Incorrect API key provided: " + Requests.ApiKey));
        using var logs = new Deckhand.Testing.Hosting.RecordingLoggerProvider();
        await using var server = await TestAgentServer.StartAsync(logs: logs);

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, numRetries: 3));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        var bodies = new[]
        {
            await server.Http.GetStringAsync($"api/conversations/{created.Id}", TestContext.Current.CancellationToken),
            await server.Http.GetStringAsync($"api/conversations/{created.Id}/events/search?limit=100", TestContext.Current.CancellationToken),
            await server.Http.GetStringAsync("api/conversations/search", TestContext.Current.CancellationToken),
        };
        Assert.All(bodies, body => Assert.DoesNotContain(Requests.ApiKey, body));
        Assert.Contains("llm_retry", bodies[1]);
        Assert.Contains("**********", bodies[1]);
        // The failure was logged (with its exception), so the check below looks at real lines.
        Assert.Contains(logs.Lines, line => line.Contains("LLMAuthenticationError"));
        Assert.All(logs.Lines, line => Assert.DoesNotContain(Requests.ApiKey, line));
    }
}
