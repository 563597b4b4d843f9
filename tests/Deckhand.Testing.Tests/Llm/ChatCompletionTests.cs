using System.ClientModel;
using System.Text.Json;
using Deckhand.Testing.Llm;
using OpenAI.Chat;

namespace Deckhand.Testing.Tests.Llm;

/// <summary>Non-streaming answers, read back through the official OpenAI SDK.</summary>
public sealed class ChatCompletionTests : IAsyncLifetime
{
    private ScriptedLlmServer _server = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await ScriptedLlmServer.StartAsync(Token);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task TextReply_IsReturnedWithStopAndTheRequestedModel()
    {
        _server.Enqueue(ScriptedReply.Text("hello there"));

        ChatCompletion completion = await OpenAiTestClients.Chat(_server, "gpt-4o").CompleteChatAsync(
            [new UserChatMessage("hi")], cancellationToken: Token);

        Assert.Equal("hello there", Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal("gpt-4o", completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.Empty(completion.ToolCalls);
        Assert.Equal(0, _server.UnscriptedRequests);
    }

    [Fact]
    public async Task ToolCallReply_IsParsedBySdk_WithNameArgumentsAndId()
    {
        _server.Enqueue(ScriptedReply.ToolCall("finish", new { message = "done", code = 0 }));

        ChatCompletion completion = await OpenAiTestClients.Chat(_server).CompleteChatAsync(
            [new UserChatMessage("wrap up")], cancellationToken: Token);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Empty(completion.Content);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("finish", call.FunctionName);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        using var arguments = JsonDocument.Parse(call.FunctionArguments);
        Assert.Equal("done", arguments.RootElement.GetProperty("message").GetString());
        Assert.Equal(0, arguments.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ParallelToolCalls_WithText_ComeBackInOrderWithUniqueIds()
    {
        _server.Enqueue(ScriptedReply.ToolCalls(
            "Checking both cities.",
            ScriptedToolCall.Create("get_weather", new { city = "Oslo" }),
            ScriptedToolCall.Create("get_weather", new { city = "Lima" }),
            new ScriptedToolCall("finish", """{"message":"x"}""") { Id = "call_fixed" }));

        ChatCompletion completion = await OpenAiTestClients.Chat(_server).CompleteChatAsync(
            [new UserChatMessage("weather?")], cancellationToken: Token);

        Assert.Equal("Checking both cities.", Assert.Single(completion.Content).Text);
        Assert.Equal(["get_weather", "get_weather", "finish"], completion.ToolCalls.Select(call => call.FunctionName));
        Assert.Equal("""{"city":"Oslo"}""", completion.ToolCalls[0].FunctionArguments.ToString());
        Assert.Equal("""{"city":"Lima"}""", completion.ToolCalls[1].FunctionArguments.ToString());
        Assert.Equal("call_fixed", completion.ToolCalls[2].Id);
        Assert.Equal(3, completion.ToolCalls.Select(call => call.Id).Distinct().Count());
    }

    [Fact]
    public async Task Usage_ReportsDefaults_AndScriptedCachedAndReasoningTokens()
    {
        _server.Enqueue(ScriptedReply.Text("a"), ScriptedReply.Text("b").WithUsage(1200, 80, cachedTokens: 1024, reasoningTokens: 64));
        var client = OpenAiTestClients.Chat(_server);

        ChatCompletion first = await client.CompleteChatAsync([new UserChatMessage("1")], cancellationToken: Token);
        ChatCompletion second = await client.CompleteChatAsync([new UserChatMessage("2")], cancellationToken: Token);

        Assert.Equal((100, 20, 120), (first.Usage.InputTokenCount, first.Usage.OutputTokenCount, first.Usage.TotalTokenCount));
        Assert.Equal(0, first.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal((1200, 80, 1280), (second.Usage.InputTokenCount, second.Usage.OutputTokenCount, second.Usage.TotalTokenCount));
        Assert.Equal(1024, second.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(64, second.Usage.OutputTokenDetails.ReasoningTokenCount);
    }

    [Fact]
    public async Task ErrorReply_SurfacesAsClientResultException_WithStatusBodyAndRetryAfter()
    {
        _server.Enqueue(ScriptedReply.Error(429, "Rate limit reached for gpt-4o-mini", retryAfterSeconds: 7));

        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiTestClients.Chat(_server).CompleteChatAsync(
            [new UserChatMessage("hi")], cancellationToken: Token));

        Assert.Equal(429, error.Status);
        Assert.Contains("Rate limit reached for gpt-4o-mini", error.Message, StringComparison.Ordinal);
        var response = error.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("7", retryAfter);
        using var body = JsonDocument.Parse(response.Content);
        Assert.Equal("requests", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Requests_AreRecorded_WithMessagesToolsModelAndAuthorization()
    {
        _server.Enqueue(ScriptedReply.Text("ok"));
        var options = new ChatCompletionOptions { Tools = { OpenAiTestClients.WeatherTool } };
        ChatMessage[] messages =
        [
            new SystemChatMessage("You are terse."),
            new UserChatMessage("Weather in Oslo?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"city":"Oslo"}"""))]),
            new ToolChatMessage("call_1", "Sunny, 21 C"),
        ];

        await OpenAiTestClients.Chat(_server, "gpt-4o").CompleteChatAsync(messages, options, Token);

        var request = await _server.WaitForRequestAsync(0, TimeSpan.FromSeconds(5), Token);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("gpt-4o", request.Model);
        Assert.False(request.Stream);
        Assert.Equal("Bearer " + OpenAiTestClients.ApiKey, request.Authorization);
        Assert.Equal(["system", "user", "assistant", "tool"], Enumerable.Range(0, 4).Select(i => request.MessageRole(i)));
        Assert.Equal("You are terse.", request.MessageText(0));
        Assert.Equal("Sunny, 21 C", request.MessageText(^1));
        Assert.Equal("call_1", request.Messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal(["get_weather"], request.ToolNames);
        Assert.Equal("gpt-4o", request.Json.GetProperty("model").GetString());
        Assert.Contains("\"Weather in Oslo?\"", request.Body, StringComparison.Ordinal);
        Assert.Same(request, Assert.Single(_server.Requests));
    }

    [Fact]
    public async Task EmptyQueue_AnswersPlaceholder_AndCountsUnscriptedRequest()
    {
        ChatCompletion completion = await OpenAiTestClients.Chat(_server).CompleteChatAsync(
            [new UserChatMessage("anyone?")], cancellationToken: Token);

        Assert.Equal(ScriptedReply.UnscriptedText, Assert.Single(completion.Content).Text);
        Assert.Equal(1, _server.UnscriptedRequests);
    }

    [Fact]
    public async Task Responder_AnswersOnceQueueIsEmpty_AndSeesTheRequest()
    {
        _server.Enqueue(ScriptedReply.Text("scripted"));
        _server.Responder = request => ScriptedReply.Text($"echo #{request.Index}: {request.MessageText(^1)}");
        var client = OpenAiTestClients.Chat(_server);

        ChatCompletion first = await client.CompleteChatAsync([new UserChatMessage("one")], cancellationToken: Token);
        ChatCompletion second = await client.CompleteChatAsync([new UserChatMessage("two")], cancellationToken: Token);

        Assert.Equal("scripted", first.Content[0].Text);
        Assert.Equal("echo #1: two", second.Content[0].Text);
        Assert.Equal(0, _server.UnscriptedRequests);
        Assert.Equal(0, _server.PendingReplies);
    }

    [Fact]
    public async Task Responder_ThatThrows_BecomesServerError()
    {
        _server.Responder = _ => throw new InvalidOperationException("script bug");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiTestClients.Chat(_server).CompleteChatAsync(
            [new UserChatMessage("hi")], cancellationToken: Token));

        Assert.Equal(500, error.Status);
        Assert.Contains("script bug", error.Message, StringComparison.Ordinal);
    }
}
