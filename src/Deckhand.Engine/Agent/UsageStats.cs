using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Agent;

/// <summary>
/// Folds one LLM response's usage into the conversation's stats (accumulated totals per usage id), and reads the
/// budget: <c>max_budget_per_task</c> on the metrics, compared with the cost summed over all usage ids (spec §3.3).
/// </summary>
internal static class UsageStats
{
    /// <summary>Keys under which M.E.AI adapters report Anthropic's <c>cache_creation_input_tokens</c>.</summary>
    private static readonly string[] CacheWriteKeys =
        ["cache_creation_input_tokens", "CacheCreationInputTokens", "InputTokenDetails.CacheCreationInputTokens"];

    private static readonly string[] CacheWriteSplitKeys =
        ["cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens"];

    public static ConversationStats Add(ConversationStats stats, LlmConfig config, ChatResponse response, string responseId)
    {
        var usage = response.Usage;
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        var cost = Llm.Pricing.PriceTable.For(config).Cost(prompt, usage?.CachedInputTokenCount ?? 0, completion);
        var previous = stats.UsageToMetrics.GetValueOrDefault(config.UsageId);
        var total = previous?.AccumulatedTokenUsage;
        var accumulated = new TokenUsage
        {
            Model = config.Model,
            PromptTokens = (total?.PromptTokens ?? 0) + prompt,
            CompletionTokens = (total?.CompletionTokens ?? 0) + completion,
            CacheReadTokens = (total?.CacheReadTokens ?? 0) + (usage?.CachedInputTokenCount ?? 0),
            CacheWriteTokens = (total?.CacheWriteTokens ?? 0) + CacheWriteTokens(usage),
            ReasoningTokens = (total?.ReasoningTokens ?? 0) + (usage?.ReasoningTokenCount ?? 0),
            ContextWindow = Math.Max(total?.ContextWindow ?? 0, config.MaxInputTokens ?? 0),
            PerTurnToken = prompt + completion,
            ResponseId = responseId,
        };
        var metrics = new Metrics
        {
            ModelName = config.Model,
            AccumulatedCost = (previous?.AccumulatedCost ?? 0) + cost,
            MaxBudgetPerTask = previous?.MaxBudgetPerTask,
            AccumulatedTokenUsage = accumulated,
        };
        var map = new Dictionary<string, Metrics>(stats.UsageToMetrics) { [config.UsageId] = metrics };
        return new ConversationStats { UsageToMetrics = map };
    }

    /// <summary>Anthropic's cache-creation tokens, when the adapter reports them; 0 otherwise (OpenAI has none).</summary>
    internal static long CacheWriteTokens(UsageDetails? usage)
    {
        if (usage?.AdditionalCounts is not { } counts)
            return 0;
        foreach (var key in CacheWriteKeys)
        {
            if (counts.TryGetValue(key, out var value))
                return value;
        }
        return CacheWriteSplitKeys.Sum(k => counts.GetValueOrDefault(k));
    }

    /// <summary>The combined cost: summed over all usage ids (agent, condenser, title...).</summary>
    public static double TotalCost(ConversationStats stats) => stats.UsageToMetrics.Values.Sum(m => m.AccumulatedCost);

    /// <summary>The budget in force: the smallest <c>max_budget_per_task</c> set on any usage id, or null.</summary>
    public static double? Budget(ConversationStats stats) =>
        stats.UsageToMetrics.Values.Select(m => m.MaxBudgetPerTask).Where(b => b is not null).Min();

    /// <summary>The stats with <paramref name="budget"/> as the one budget (set on the agent's usage id).</summary>
    public static ConversationStats WithBudget(ConversationStats stats, LlmConfig agentLlm, double budget)
    {
        var map = stats.UsageToMetrics.ToDictionary(kv => kv.Key, kv => kv.Value with { MaxBudgetPerTask = null });
        map[agentLlm.UsageId] = map.TryGetValue(agentLlm.UsageId, out var metrics)
            ? metrics with { MaxBudgetPerTask = budget }
            : new Metrics { ModelName = agentLlm.Model, MaxBudgetPerTask = budget };
        return new ConversationStats { UsageToMetrics = map };
    }

    /// <summary>
    /// <paramref name="next"/>, except that a usage id whose totals went backwards (or vanished) keeps its
    /// <paramref name="current"/> metrics. Usage only grows, so a smaller total means <paramref name="next"/> was computed
    /// from a stale copy: a step computes its stats before it commits them, and a background call (the title) may have
    /// committed its own usage id meanwhile.
    /// </summary>
    public static ConversationStats KeepAccumulated(ConversationStats current, ConversationStats next)
    {
        Dictionary<string, Metrics>? map = null;
        foreach (var (key, metrics) in current.UsageToMetrics)
        {
            if (next.UsageToMetrics.TryGetValue(key, out var candidate) && !IsBehind(candidate, metrics))
                continue;
            map ??= new Dictionary<string, Metrics>(next.UsageToMetrics);
            map[key] = metrics;
        }
        return map is null ? next : new ConversationStats { UsageToMetrics = map };
    }

    private static bool IsBehind(Metrics candidate, Metrics current) =>
        candidate.AccumulatedCost < current.AccumulatedCost
        || Tokens(candidate) < Tokens(current);

    private static long Tokens(Metrics metrics) =>
        (metrics.AccumulatedTokenUsage?.PromptTokens ?? 0) + (metrics.AccumulatedTokenUsage?.CompletionTokens ?? 0);

    /// <summary>
    /// <paramref name="next"/> with the budgets of <paramref name="current"/>: a step computes its stats before it
    /// commits them, so a budget raised meanwhile must not be overwritten by the step's stale copy.
    /// </summary>
    public static ConversationStats CarryBudgets(ConversationStats current, ConversationStats next)
    {
        var differs = next.UsageToMetrics.Any(kv =>
                kv.Value.MaxBudgetPerTask != current.UsageToMetrics.GetValueOrDefault(kv.Key)?.MaxBudgetPerTask)
            || current.UsageToMetrics.Any(kv => kv.Value.MaxBudgetPerTask is not null && !next.UsageToMetrics.ContainsKey(kv.Key));
        if (!differs)
            return next;
        var map = next.UsageToMetrics.ToDictionary(kv => kv.Key,
            kv => kv.Value with { MaxBudgetPerTask = current.UsageToMetrics.GetValueOrDefault(kv.Key)?.MaxBudgetPerTask });
        foreach (var (key, metrics) in current.UsageToMetrics)
        {
            if (metrics.MaxBudgetPerTask is not null && !map.ContainsKey(key))
                map[key] = metrics;
        }
        return new ConversationStats { UsageToMetrics = map };
    }
}
