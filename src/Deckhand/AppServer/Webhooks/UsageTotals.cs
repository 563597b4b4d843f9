using System.Text.Json;

namespace Deckhand.AppServer.Webhooks;

/// <summary>
/// A conversation's cost and tokens summed over its LLM usages, from an agent-server <c>stats</c> object
/// (<c>{"usage_to_metrics": {"&lt;usage id&gt;": Metrics}}</c>), for the <c>conversation_metadata</c> columns.
/// </summary>
public sealed record UsageTotals(double AccumulatedCost, double? MaxBudgetPerTask, long PromptTokens, long CompletionTokens,
    long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens, long ContextWindow, long PerTurnToken)
{
    /// <summary>Null when <paramref name="stats"/> has no usable <c>usage_to_metrics</c>.</summary>
    public static UsageTotals? From(JsonElement stats)
    {
        if (stats.ValueKind != JsonValueKind.Object || !stats.TryGetProperty("usage_to_metrics", out var usages) || usages.ValueKind != JsonValueKind.Object)
            return null;
        double cost = 0;
        double? budget = null;
        long prompt = 0, completion = 0, cacheRead = 0, cacheWrite = 0, reasoning = 0, window = 0, perTurn = 0;
        foreach (var usage in usages.EnumerateObject())
        {
            var metrics = usage.Value;
            if (metrics.ValueKind != JsonValueKind.Object)
                continue;
            cost += Number(metrics, "accumulated_cost");
            if (metrics.TryGetProperty("max_budget_per_task", out var b) && b.ValueKind == JsonValueKind.Number)
                budget ??= b.GetDouble();
            if (!metrics.TryGetProperty("accumulated_token_usage", out var tokens) || tokens.ValueKind != JsonValueKind.Object)
                continue;
            prompt += Integer(tokens, "prompt_tokens");
            completion += Integer(tokens, "completion_tokens");
            cacheRead += Integer(tokens, "cache_read_tokens");
            cacheWrite += Integer(tokens, "cache_write_tokens");
            reasoning += Integer(tokens, "reasoning_tokens");
            window = Math.Max(window, Integer(tokens, "context_window"));
            perTurn = Math.Max(perTurn, Integer(tokens, "per_turn_token"));
        }
        return new UsageTotals(cost, budget, prompt, completion, cacheRead, cacheWrite, reasoning, window, perTurn);
    }

    private static double Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;

    private static long Integer(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;
}
