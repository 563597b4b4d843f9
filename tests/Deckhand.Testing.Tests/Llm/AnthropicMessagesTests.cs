using System.Net;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Deckhand.Testing.Llm;

namespace Deckhand.Testing.Tests.Llm;

/// <summary>The official Anthropic SDK against the scripted server's Messages API.</summary>
public sealed class AnthropicMessagesTests : IAsyncLifetime
{
    private const string Key = "sk-ant-test-key";
    private ScriptedLlmServer _server = null!;
    private AnthropicClient _client = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await ScriptedLlmServer.StartAsync(Token);
        _client = new AnthropicClient(new ClientOptions { BaseUrl = _server.AnthropicBaseUrl.ToString().TrimEnd('/'), ApiKey = Key, MaxRetries = 0 });
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static MessageCreateParams Params(bool withTool = false) => new()
    {
        Model = "claude-test",
        MaxTokens = 256,
        System = "You are terse.",
        Messages = [new UserMessageParam("hi")],
        Tools = withTool
            ? [new Tool
            {
                Name = "get_weather",
                Description = "Current weather for a city",
                InputSchema = new InputSchema
                {
                    Properties = new Dictionary<string, JsonElement> { ["city"] = JsonDocument.Parse("""{"type":"string"}""").RootElement },
                    Required = ["city"],
                },
            }]
            : null,
    };

    [Fact]
    public async Task Create_TextReply_ComesBackAsTextBlockWithUsage()
    {
        _server.Enqueue(ScriptedReply.Text("Hello there").WithUsage(100, 7, cachedTokens: 60));

        var message = await _client.Messages.Create(Params(), cancellationToken: Token);

        Assert.StartsWith("msg_", message.ID);
        Assert.Equal("claude-test", message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.Equal("Hello there", text.Text);
        Assert.Equal(StopReason.EndTurn, message.StopReason?.Value());
        Assert.Equal(40, message.Usage.InputTokens);
        Assert.Equal(60, message.Usage.CacheReadInputTokens);
        Assert.Equal(7, message.Usage.OutputTokens);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(ScriptedWireFormat.AnthropicMessages, request.Format);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal("You are terse.", request.SystemPrompt);
        Assert.Equal("hi", request.MessageText(0));
        Assert.Contains(Key, (request.Authorization ?? "") + (request.ApiKeyHeader ?? ""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ToolCall_ComesBackAsToolUseWithInputObject()
    {
        _server.Enqueue(ScriptedReply.ToolCall("get_weather", new { city = "Oslo" }));

        var message = await _client.Messages.Create(Params(withTool: true), cancellationToken: Token);

        Assert.Equal(StopReason.ToolUse, message.StopReason?.Value());
        Assert.True(Assert.Single(message.Content).TryPickToolUse(out var toolUse));
        Assert.Equal("get_weather", toolUse.Name);
        Assert.StartsWith("toolu_", toolUse.ID);
        Assert.Equal("Oslo", toolUse.Input["city"].GetString());
        Assert.Equal(["get_weather"], Assert.Single(_server.Requests).ToolNames);
    }

    [Fact]
    public async Task CreateStreaming_TextAndToolUse_ArriveAsDeltas()
    {
        _server.Enqueue(ScriptedReply.ToolCalls("Checking the weather", ScriptedToolCall.Create("get_weather", new { city = "Oslo" })));

        var text = "";
        var json = "";
        var events = new List<string>();
        await foreach (var streamEvent in _client.Messages.CreateStreaming(Params(withTool: true), cancellationToken: Token))
        {
            if (streamEvent.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickText(out var textDelta))
                    text += textDelta.Text;
                if (delta.Delta.TryPickInputJson(out var jsonDelta))
                    json += jsonDelta.PartialJson;
            }

            if (streamEvent.TryPickDelta(out var messageDelta))
                events.Add("message_delta:" + messageDelta.Delta.StopReason?.Raw());
            if (streamEvent.TryPickStop(out _))
                events.Add("message_stop");
        }

        Assert.Equal("Checking the weather", text);
        Assert.Equal("""{"city":"Oslo"}""", json);
        Assert.Equal(["message_delta:tool_use", "message_stop"], events);
        Assert.True(Assert.Single(_server.Requests).Stream);
    }

    [Theory]
    [InlineData(401, "authentication_error", typeof(AnthropicUnauthorizedException))]
    [InlineData(429, "rate_limit_error", typeof(AnthropicRateLimitException))]
    [InlineData(529, "overloaded_error", null)]
    [InlineData(500, "api_error", null)]
    public async Task Create_ScriptedError_IsAnthropicErrorEnvelope(int status, string type, System.Type? exceptionType)
    {
        _server.Enqueue(ScriptedReply.Error(status, "scripted failure"));

        var ex = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => _client.Messages.Create(Params(), cancellationToken: Token));

        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Equal("scripted failure", ex.ApiMessage);
        Assert.Equal(type, ex.Type?.Raw());
        if (exceptionType is not null)
            Assert.IsType(exceptionType, ex);
    }
}
