using System.Text;
using System.Text.Json;
using Deckhand.Testing.Llm;

namespace Deckhand.Testing.Tests.Llm;

/// <summary>Reasoning, thinking blocks and empty answers in both wire formats, checked on the raw bodies.</summary>
public sealed class ReasoningWireTests : IAsyncLifetime
{
    private const string OpenAiBody = """{"model":"m","messages":[{"role":"user","content":"hi"}]}""";
    private const string AnthropicBody = """{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""";
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
    public async Task OpenAi_Reasoning_IsReasoningContent_WholeAndStreamedFirst()
    {
        _server.Enqueue(ScriptedReply.Text("4").WithReasoning("2+2"), ScriptedReply.Text("4").WithReasoning("2+2"));

        using var whole = JsonDocument.Parse(await PostAsync("/v1/chat/completions", OpenAiBody));
        Assert.Equal("2+2", whole.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("reasoning_content").GetString());

        var chunks = Data(await PostAsync("/v1/chat/completions", OpenAiBody.Replace("\"model\"", "\"stream\":true,\"model\"")));
        var deltas = chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        var reasoning = deltas.FindIndex(d => d.TryGetProperty("reasoning_content", out _));
        var text = deltas.FindIndex(d => d.TryGetProperty("content", out var c) && c.GetString() == "4");
        Assert.True(reasoning >= 0 && reasoning < text);
    }

    [Fact]
    public async Task Empty_HasNoChoice_OrNoContentBlock()
    {
        _server.Enqueue(ScriptedReply.Empty(), ScriptedReply.Empty());

        using var openAi = JsonDocument.Parse(await PostAsync("/v1/chat/completions", OpenAiBody));
        Assert.Equal(0, openAi.RootElement.GetProperty("choices").GetArrayLength());
        using var anthropic = JsonDocument.Parse(await PostAsync("/v1/messages", AnthropicBody));
        Assert.Equal(0, anthropic.RootElement.GetProperty("content").GetArrayLength());
    }

    [Fact]
    public async Task Anthropic_ThinkingBlocks_ComeFirst_WholeAndStreamed()
    {
        var reply = ScriptedReply.Text("done").WithThinking(ScriptedThinking.Block("hmm", "sig"), ScriptedThinking.Redacted("xyz"))
            .WithUsage(100, 10, cachedTokens: 20, cacheWriteTokens: 30);
        _server.Enqueue(reply, reply);

        using var whole = JsonDocument.Parse(await PostAsync("/v1/messages", AnthropicBody));
        var content = whole.RootElement.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["thinking", "redacted_thinking", "text"], content.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal(("hmm", "sig"), (content[0].GetProperty("thinking").GetString(), content[0].GetProperty("signature").GetString()));
        Assert.Equal("xyz", content[1].GetProperty("data").GetString());
        var usage = whole.RootElement.GetProperty("usage");
        Assert.Equal((50, 20, 30), (usage.GetProperty("input_tokens").GetInt32(), usage.GetProperty("cache_read_input_tokens").GetInt32(),
            usage.GetProperty("cache_creation_input_tokens").GetInt32()));

        var events = Data(await PostAsync("/v1/messages", AnthropicBody.Replace("\"model\"", "\"stream\":true,\"model\"")));
        var deltas = events.Where(e => e.GetProperty("type").GetString() == "content_block_delta").Select(e => e.GetProperty("delta")).ToList();
        Assert.Equal("hmm", string.Concat(deltas.Where(d => d.GetProperty("type").GetString() == "thinking_delta").Select(d => d.GetProperty("thinking").GetString())));
        Assert.Equal("sig", deltas.Single(d => d.GetProperty("type").GetString() == "signature_delta").GetProperty("signature").GetString());
        var starts = events.Where(e => e.GetProperty("type").GetString() == "content_block_start").Select(e => e.GetProperty("content_block").GetProperty("type").GetString());
        Assert.Equal(["thinking", "redacted_thinking", "text"], starts);
    }

    private async Task<string> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri($"http://{_server.BaseUrl.Authority}{path}"), content, Token);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(Token);
    }

    /// <summary>The JSON of each SSE <c>data:</c> line, <c>[DONE]</c> left out.</summary>
    private static List<JsonElement> Data(string sse) =>
        [.. sse.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l != "data: [DONE]")
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.Clone())];
}
