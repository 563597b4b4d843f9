using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Tests.Support;
using Deckhand.Testing.Llm;

namespace Deckhand.Engine.Tests.Llm;

/// <summary>Anthropic through the official SDK against the scripted Messages API: prompt caching and extended thinking.</summary>
public sealed class AnthropicFeatureTests
{
    private static ScriptedReply Think() => ScriptedReply.ToolCall("think", new { thought = "plan" });

    private static ScriptedReply Finish() => ScriptedReply.ToolCall("finish", new { message = "done" });

    private static JsonElement LastContent(ScriptedRequest request) => request.Messages[^1].GetProperty("content").EnumerateArray().Last();

    private static int Markers(ScriptedRequest request) => request.Body.Split("\"cache_control\"").Length - 1;

    [Fact]
    public async Task CacheMarkers_SitOnTheStaticSystemBlock_AndOnTheLastUserOrToolMessage()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Think(), Finish());

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.Anthropic() with { ReasoningEffort = "none" } });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        var (first, second) = (agent.Llm.Requests[0], agent.Llm.Requests[1]);
        var system = first.SystemJson!.Value.EnumerateArray().ToList();
        Assert.Equal(2, system.Count);
        Assert.Equal("ephemeral", system[0].GetProperty("cache_control").GetProperty("type").GetString());
        Assert.False(system[1].TryGetProperty("cache_control", out _)); // the dynamic context changes; never cached
        Assert.Equal("ephemeral", LastContent(first).GetProperty("cache_control").GetProperty("type").GetString());
        Assert.Equal(2, Markers(first));

        // Next turn: the marker moved to the tool result, the last user-side message; the task is no longer marked.
        Assert.Equal("tool_result", LastContent(second).GetProperty("type").GetString());
        Assert.Equal("ephemeral", LastContent(second).GetProperty("cache_control").GetProperty("type").GetString());
        Assert.False(second.Messages[0].GetProperty("content")[0].TryGetProperty("cache_control", out _));
        Assert.Equal(2, Markers(second));
    }

    [Fact]
    public async Task CachingPromptOff_SendsNoCacheMarkers()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Think(), Finish());

        await agent.RunAsync(new AgentSpec { Llm = agent.Anthropic() with { ReasoningEffort = "none", CachingPrompt = false } });

        Assert.All(agent.Llm.Requests, r => Assert.DoesNotContain("cache_control", r.Body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ARequestRejectedForItsCacheMarkers_IsSentOnceMoreWithout_AndLaterOnesGoWithout(bool stream)
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(ScriptedReply.Error(400, "system.0.cache_control: Extra inputs are not permitted"), Think(), Finish());

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.Anthropic() with { ReasoningEffort = "none", Stream = stream } });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal([2, 0, 0], agent.Llm.Requests.Select(Markers));
        Assert.Empty(agent.Events(runner).OfType<ConversationErrorEvent>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThinkingBlocks_AreStoredOnTheAction_AndSentBackFirstOnTheNextTurn(bool stream)
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(
            Think().WithThinking(ScriptedThinking.Block("I should plan first.", "sig-1"), ScriptedThinking.Redacted("opaque-data")),
            Finish());
        var llm = agent.Anthropic() with { MaxOutputTokens = 4096, Temperature = 0, Stream = stream };

        var runner = await agent.RunAsync(new AgentSpec { Llm = llm });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        var action = agent.Events(runner).OfType<ActionEvent>().First();
        Assert.Equal("I should plan first.", action.ReasoningContent);
        Assert.Equal(2, action.ThinkingBlocks.Count);
        Assert.Equal("""{"type":"thinking","thinking":"I should plan first.","signature":"sig-1"}""", action.ThinkingBlocks[0].GetRawText());
        Assert.Equal("""{"type":"redacted_thinking","data":"opaque-data"}""", action.ThinkingBlocks[1].GetRawText());

        var assistant = agent.Llm.Requests[1].Messages.Single(m => m.GetProperty("role").GetString() == "assistant");
        var blocks = assistant.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["thinking", "redacted_thinking", "tool_use"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("I should plan first.", blocks[0].GetProperty("thinking").GetString());
        Assert.Equal("sig-1", blocks[0].GetProperty("signature").GetString());
        Assert.Equal("opaque-data", blocks[1].GetProperty("data").GetString());
    }

    [Fact]
    public async Task ThinkingModel_IsAskedToThinkWithinItsBudget_WithTheBeta_AndWithoutSampling()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Finish());

        await agent.RunAsync(new AgentSpec { Llm = agent.Anthropic() with { MaxOutputTokens = 4096, Temperature = 0, TopP = 0.9 } });

        var request = Assert.Single(agent.Llm.Requests);
        // Spec §6.1: budget_tokens = min(extended_thinking_budget 200,000, max_tokens - 1).
        Assert.Equal("enabled", request.Json.GetProperty("thinking").GetProperty("type").GetString());
        Assert.Equal(4095, request.Json.GetProperty("thinking").GetProperty("budget_tokens").GetInt32());
        Assert.Equal(4096, request.Json.GetProperty("max_tokens").GetInt32());
        Assert.Contains("interleaved-thinking-2025-05-14", request.Headers["anthropic-beta"]);
        Assert.False(request.Json.TryGetProperty("temperature", out _));
        Assert.False(request.Json.TryGetProperty("top_p", out _));
    }

    [Theory]
    [InlineData("anthropic/claude-sonnet-4-5", "none", null)]
    [InlineData("anthropic/claude-sonnet-4-5", "high", 0)]
    [InlineData("anthropic/claude-3-5-haiku-latest", "high", null)]
    public async Task Thinking_IsOff_ForReasoningEffortNone_AZeroBudget_OrAModelWithoutIt(string model, string effort, int? budget)
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Finish());
        var llm = agent.Anthropic(model) with { ReasoningEffort = effort, Temperature = 0.5 };
        if (budget is not null)
            llm = llm with { ExtendedThinkingBudget = budget };

        await agent.RunAsync(new AgentSpec { Llm = llm });

        var request = Assert.Single(agent.Llm.Requests);
        Assert.False(request.Json.TryGetProperty("thinking", out _));
        Assert.False(request.Headers.ContainsKey("anthropic-beta"));
        Assert.Equal(0.5, request.Json.GetProperty("temperature").GetDouble(), 6);
        Assert.Equal(8192, request.Json.GetProperty("max_tokens").GetInt32());
    }
}
