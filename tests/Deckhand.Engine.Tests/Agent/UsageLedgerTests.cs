using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Tests.Support;
using Deckhand.Testing.Llm;

namespace Deckhand.Engine.Tests.Agent;

/// <summary>Spec §3.3: one ledger entry per LLM call (costs, latencies, token usages), totals summed exactly once.</summary>
public sealed class UsageLedgerTests
{
    [Fact]
    public async Task EveryCall_AddsItsEntries_Once_AndStatsUpdatesCarryOnlyTheTotals()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "a" }).WithUsage(1000, 100, cachedTokens: 200, reasoningTokens: 30),
            ScriptedReply.Error(500, "The server had an error while processing your request"),
            ScriptedReply.ToolCall("think", new { thought = "b" }).WithUsage(2000, 200),
            ScriptedReply.ToolCall("finish", new { message = "done" }).WithUsage(0, 0));
        var llm = agent.OpenAi() with { NumRetries = 2, InputCostPerToken = 1e-5, OutputCostPerToken = 2e-5 };

        var runner = await agent.RunAsync(new AgentSpec { Llm = llm });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(4, agent.Llm.Requests.Count);
        var metrics = runner.Snapshot.State.Stats.UsageToMetrics["default"];
        var responses = agent.Events(runner).OfType<ActionEvent>().Select(a => a.LlmResponseId).ToList();
        Assert.Equal(3, responses.Count);

        // Three calls (the failed attempt is not one): three latencies, two costs and token usages (the last reported none).
        Assert.Equal(responses, metrics.ResponseLatencies!.Select(l => l.ResponseId));
        Assert.All(metrics.ResponseLatencies!, l => Assert.True(l.Latency >= 0));
        Assert.Equal([0.012, 0.024], metrics.Costs!.Select(c => Math.Round(c.Cost, 9)));
        Assert.All(metrics.Costs!, c => Assert.True(c.Timestamp > 1.7e9));
        var calls = metrics.TokenUsages!;
        Assert.Equal(responses.Take(2), calls.Select(c => c.ResponseId));
        Assert.Equal((1000, 100, 200, 30, 1100), (calls[0].PromptTokens, calls[0].CompletionTokens, calls[0].CacheReadTokens, calls[0].ReasoningTokens, calls[0].PerTurnToken));
        Assert.Equal((2000, 200, 0, 0), (calls[1].PromptTokens, calls[1].CompletionTokens, calls[1].CacheReadTokens, calls[1].ReasoningTokens));

        // The totals are the sums of the entries.
        Assert.Equal(metrics.Costs!.Sum(c => c.Cost), metrics.AccumulatedCost, 12);
        var total = metrics.AccumulatedTokenUsage!;
        Assert.Equal((3000, 300, 200, 30), (total.PromptTokens, total.CompletionTokens, total.CacheReadTokens, total.ReasoningTokens));

        // The conversation shows the lists; the stored stats updates (one per call) carry the snapshot without them.
        var info = JsonDocument.Parse(ScriptedAgent.InfoJson(runner)).RootElement.GetProperty("stats").GetProperty("usage_to_metrics").GetProperty("default");
        Assert.Equal(3, info.GetProperty("response_latencies").GetArrayLength());
        Assert.Equal(2, info.GetProperty("token_usages").GetArrayLength());
        var updates = agent.Events(runner).OfType<ConversationStateUpdateEvent>().Where(u => u.Key == "stats").ToList();
        Assert.Equal(3, updates.Count);
        var last = updates[^1].Value.GetProperty("usage_to_metrics").GetProperty("default");
        Assert.False(last.TryGetProperty("costs", out _));
        Assert.False(last.TryGetProperty("response_latencies", out _));
        Assert.False(last.TryGetProperty("token_usages", out _));
        Assert.Equal(0.036, last.GetProperty("accumulated_cost").GetDouble(), 9);
    }

    [Fact]
    public async Task AnthropicCacheReadsAndWrites_AreCounted_AndPricedAtTheirOwnRates()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "done" })
            .WithUsage(1000, 100, cachedTokens: 200, cacheWriteTokens: 300));

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.Anthropic("anthropic/claude-sonnet-4-5") with { ReasoningEffort = "none" } });

        var metrics = runner.Snapshot.State.Stats.UsageToMetrics["default"];
        var call = Assert.Single(metrics.TokenUsages!);
        Assert.Equal((1000, 100, 200, 300), (call.PromptTokens, call.CompletionTokens, call.CacheReadTokens, call.CacheWriteTokens));
        Assert.Equal(200_000, call.ContextWindow); // claude's window; no max_input_tokens or max_output_tokens set
        // Sonnet: $3/M input, cache reads at 0.1x, cache writes at 1.25x, $15/M output:
        // 500 * 3e-6 + 200 * 0.3e-6 + 300 * 3.75e-6 + 100 * 15e-6 = 0.004185
        Assert.Equal(0.004185, metrics.AccumulatedCost, 9);
        Assert.Equal(0.004185, Assert.Single(metrics.Costs!).Cost, 9);
    }
}
