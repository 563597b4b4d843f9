using System.Text.Json;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.Cli;

/// <summary><c>deckhand llm test</c> against the scripted provider: a working setup, a bad key, a dead endpoint.</summary>
public sealed class LlmTestCommandTests
{
    private const string GoodKey = "sk-good-123";

    private static ScriptedReply Answer(ScriptedRequest request) =>
        request.Authorization == "Bearer " + GoodKey
            ? ScriptedReply.ToolCall("report_status", new { ok = true })
            : ScriptedReply.Error(401, "Incorrect API key provided: " + request.Authorization);

    private static async Task<DeckhandProcess> RunAsync(string baseUrl, string key, params string[] extra)
    {
        var process = DeckhandProcess.Start(["llm", "test", .. extra], new Dictionary<string, string>
        {
            ["LLM_MODEL"] = "openai/scripted-model",
            ["LLM_BASE_URL"] = baseUrl,
            ["LLM_API_KEY"] = key,
        });
        await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return process;
    }

    [Fact]
    public async Task GoodKey_AllChecksPass_Exit0()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Responder = Answer;
        await using var process = await RunAsync(llm.BaseUrl.ToString(), GoodKey);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("tool calling:   yes", process.Output);
        Assert.Contains("OK:", process.Output);
        Assert.Contains("report_status", llm.Requests.Single().ToolNames);
    }

    [Fact]
    public async Task BadKey_SaysTheKeyWasRejected_Exit1_WithoutPrintingIt()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Responder = Answer;
        await using var process = await RunAsync(llm.BaseUrl.ToString(), "sk-bad-456", "--json");
        Assert.Equal(1, process.ExitCode);
        using var doc = JsonDocument.Parse(process.Output.Trim());
        Assert.True(doc.RootElement.GetProperty("reachable").GetBoolean());
        Assert.False(doc.RootElement.GetProperty("authenticated").GetBoolean());
        Assert.Equal("LLMAuthenticationError", doc.RootElement.GetProperty("error_code").GetString());
        Assert.DoesNotContain("sk-bad-456", process.Output);
        Assert.Single(llm.Requests); // a check does not retry
    }

    [Fact]
    public async Task NothingListening_SaysUnreachable_Exit1()
    {
        await using var process = await RunAsync("http://127.0.0.1:9/v1", GoodKey);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("reachable:      no", process.Output);
    }

    [Fact]
    public async Task Route_ReportsTheSameVerdicts()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Responder = Answer;
        await using var server = await TestAgentServer.StartAsync();
        var good = await server.Http.PostAsync("api/llm/test", new StringContent(
            $$"""{"model":"openai/m","base_url":"{{llm.BaseUrl}}","api_key":"{{GoodKey}}"}""", null, "application/json"));
        var goodBody = await good.Content.ReadAsStringAsync();
        Assert.Contains("\"ok\":true", goodBody);
        var bad = await server.Http.PostAsync("api/llm/test", new StringContent(
            $$"""{"model":"openai/m","base_url":"{{llm.BaseUrl}}","api_key":"sk-nope-789"}""", null, "application/json"));
        var badBody = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"authenticated\":false", badBody);
        Assert.DoesNotContain("sk-nope-789", badBody);
        var invalid = await server.Http.PostAsync("api/llm/test", new StringContent("""{"model":""}""", null, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
    }
}
