using System.Text.Json;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.Cli;

/// <summary><c>deckhand run</c> as a real process: typed exit codes, readable or JSONL output, never a prompt.</summary>
public sealed class RunCommandTests : IAsyncLifetime
{
    private const string Key = "sk-cli-secret-999";
    private readonly string _dir = TempDir.Create("deckhand-cli");
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _llm.DisposeAsync();
        TempDir.Delete(_dir);
    }

    private async Task<DeckhandProcess> RunAsync(params string[] extra)
    {
        var process = DeckhandProcess.Start(
            ["run", .. extra, "--data-dir", Path.Combine(_dir, "data"), "--workspace", _dir],
            new Dictionary<string, string> { ["LLM_MODEL"] = "openai/scripted-model", ["LLM_BASE_URL"] = _llm.BaseUrl.ToString(), ["LLM_API_KEY"] = Key });
        await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return process;
    }

    [Fact]
    public async Task FinishedTask_Exits0_WithAReadableView()
    {
        _llm.Enqueue(ScriptedReply.ToolCall("think", new { thought = "easy" }), ScriptedReply.ToolCall("finish", new { message = "It is done." }));
        await using var process = await RunAsync("write a haiku");
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("> write a haiku", process.Output);
        Assert.Contains("think: easy", process.Output);
        Assert.Contains("finish: It is done.", process.Output);
        Assert.Contains("-- finished", process.Output);
        Assert.Equal("Bearer " + Key, _llm.Requests[0].Authorization);
        Assert.DoesNotContain(Key, process.Output);
    }

    [Fact]
    public async Task Json_PrintsOneWireEventPerLine()
    {
        _llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "ok" }));
        await using var process = await RunAsync("task", "--json");
        Assert.Equal(0, process.ExitCode);
        var kinds = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("kind").GetString()).ToList();
        Assert.Equal("SystemPromptEvent", kinds[0]);
        Assert.Contains("ActionEvent", kinds);
        Assert.Equal("ObservationEvent", kinds.Last(k => k != "ConversationStateUpdateEvent"));
        Assert.DoesNotContain("\"seq\"", process.Output);
    }

    [Fact]
    public async Task StepLimit_Exits3()
    {
        _llm.Responder = _ => ScriptedReply.ToolCall("think", new { thought = "again" });
        await using var process = await RunAsync("loop forever", "--max-iterations", "2");
        Assert.Equal(3, process.ExitCode);
        Assert.Contains("MaxIterationsReached", process.Output);
    }

    [Fact]
    public async Task LlmRejectsKey_Exits1_WithoutPrintingIt()
    {
        _llm.Enqueue(ScriptedReply.Error(401, "Incorrect API key provided: " + Key));
        await using var process = await RunAsync("task");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("LLMAuthenticationError", process.Output);
        Assert.DoesNotContain(Key, process.Output);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run", "task", "--max-iterations", "zero")]
    [InlineData("run", "task", "--no-such-option")]
    [InlineData("no-such-command")]
    public async Task BadUsage_Exits2(params string[] args)
    {
        await using var process = DeckhandProcess.Start(args);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("error", process.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MissingModel_Exits2_AndSaysHowToSetIt()
    {
        await using var process = DeckhandProcess.Start(["run", "task", "--data-dir", Path.Combine(_dir, "data")]);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("LLM_MODEL", process.Output);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    [InlineData("agent-server", "--help")]
    public async Task Help_IsAvailableOnEveryCommand(params string[] args)
    {
        await using var process = DeckhandProcess.Start(args);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Usage", process.Output);
    }

    [Fact]
    public async Task AgentServer_OnAllInterfacesWithoutKey_Refuses_Exit2()
    {
        await using var process = DeckhandProcess.Start(["agent-server", "--host", "0.0.0.0", "--port", "0", "--data-dir", Path.Combine(_dir, "data")]);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("session API key", process.Output);
    }
}
