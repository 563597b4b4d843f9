using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.Testing.Llm;

namespace Deckhand.Testing.Tests.Llm;

/// <summary>The raw wire shapes, checked with a plain HttpClient where the SDK would hide them.</summary>
public sealed class WireFormatTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private ScriptedLlmServer _server = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await ScriptedLlmServer.StartAsync(Token);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public void BaseUrl_IsLoopbackWithV1Path()
    {
        Assert.Equal("127.0.0.1", _server.BaseUrl.Host);
        Assert.NotEqual(0, _server.BaseUrl.Port);
        Assert.Equal("/v1", _server.BaseUrl.AbsolutePath);
    }

    [Fact]
    public async Task Models_ListsTheConfiguredModelIds()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(Url("/v1/models"), Token));

        Assert.Equal("list", document.RootElement.GetProperty("object").GetString());
        var ids = document.RootElement.GetProperty("data").EnumerateArray().Select(model => model.GetProperty("id").GetString());
        Assert.Equal(_server.ModelIds, ids);
    }

    [Fact]
    public async Task ChatCompletions_WithoutV1Prefix_ToolOnlyReply_HasNullContentAndFunctionCalls()
    {
        _server.Enqueue(ScriptedReply.ToolCall("finish", new { message = "done" }));

        using var response = await PostAsync("/chat/completions", """{"model":"m1","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        var root = document.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("m1", root.GetProperty("model").GetString());
        var choice = root.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("""{"message":"done"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal(120, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal("/chat/completions", Assert.Single(_server.Requests).Path);
    }

    [Fact]
    public async Task Stream_IsSseChunks_EndingWithUsageChunkAndDone()
    {
        _server.Enqueue(ScriptedReply.Text("abcdefgh"));

        var events = await StreamEventsAsync("""{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}""");

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(data => JsonDocument.Parse(data).RootElement).ToList();
        Assert.All(chunks, chunk => Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(chunk => chunk.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var usageChunk = chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(100, usageChunk.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, chunks[^2].GetProperty("usage").ValueKind);
        var pieces = chunks.Skip(1).SkipLast(2).Select(chunk => chunk.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal(["abcd", "efgh"], pieces);
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_HasNoUsageChunk()
    {
        _server.Enqueue(ScriptedReply.Text("hi"));

        var events = await StreamEventsAsync("""{"model":"m","stream":true,"messages":[]}""");

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(data => JsonDocument.Parse(data).RootElement).ToList();
        Assert.All(chunks, chunk => Assert.False(chunk.TryGetProperty("usage", out _)));
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ErrorReply_HasOpenAiErrorBody_AndNoRetryAfterUnlessGiven()
    {
        _server.Enqueue(ScriptedReply.Error(400, "This model's maximum context length is 128000 tokens.", code: "context_length_exceeded"));

        using var response = await PostAsync("/v1/chat/completions", """{"model":"m","messages":[]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        var error = document.RootElement.GetProperty("error");
        Assert.Equal("This model's maximum context length is 128000 tokens.", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task InvalidJson_Gets400_AndIsNotRecorded()
    {
        using var response = await PostAsync("/v1/chat/completions", "{not json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"invalid_request_error\"", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    private Uri Url(string path) => new($"http://{_server.BaseUrl.Authority}{path}");

    private async Task<HttpResponseMessage> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _http.PostAsync(Url(path), content, Token);
    }

    private async Task<string[]> StreamEventsAsync(string json)
    {
        using var response = await PostAsync("/v1/chat/completions", json);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.EndsWith("\n\n", body, StringComparison.Ordinal);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, line => Assert.StartsWith("data: ", line, StringComparison.Ordinal));
        return [.. events.Select(line => line["data: ".Length..])];
    }
}
