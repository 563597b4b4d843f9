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

    /// <summary>
    /// The stats after one LLM call: its ledger entries appended (spec §3.3: a latency for every call, a cost when it
    /// cost something, a token usage when it reported tokens) and the totals of its usage id advanced, exactly once.
    /// </summary>
    public static ConversationStats Add(ConversationStats stats, LlmConfig config, ChatResponse response, string responseId,
        TimeSpan latency, DateTimeOffset now)
    {
        var usage = response.Usage;
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        var cacheRead = usage?.CachedInputTokenCount ?? 0;
        var cacheWrite = CacheWriteTokens(usage);
        var cost = Llm.Pricing.PriceTable.For(config).Cost(prompt, cacheRead, completion, cacheWrite);
        var previous = stats.UsageToMetrics.GetValueOrDefault(config.UsageId);
        var total = previous?.AccumulatedTokenUsage;
        var contextWindow = (long)(Llm.ModelCapabilities.InputLimit(config) ?? 0);
        var call = new TokenUsage
        {
            Model = config.Model,
            PromptTokens = prompt,
            CompletionTokens = completion,
            CacheReadTokens = cacheRead,
            CacheWriteTokens = cacheWrite,
            ReasoningTokens = usage?.ReasoningTokenCount ?? 0,
            ContextWindow = contextWindow,
            PerTurnToken = prompt + completion,
            ResponseId = responseId,
        };
        var accumulated = new TokenUsage
        {
            Model = config.Model,
            PromptTokens = (total?.PromptTokens ?? 0) + call.PromptTokens,
            CompletionTokens = (total?.CompletionTokens ?? 0) + call.CompletionTokens,
            CacheReadTokens = (total?.CacheReadTokens ?? 0) + call.CacheReadTokens,
            CacheWriteTokens = (total?.CacheWriteTokens ?? 0) + call.CacheWriteTokens,
            ReasoningTokens = (total?.ReasoningTokens ?? 0) + call.ReasoningTokens,
            ContextWindow = Math.Max(total?.ContextWindow ?? 0, contextWindow),
            PerTurnToken = call.PerTurnToken,
            ResponseId = responseId,
        };
        var metrics = new Metrics
        {
            ModelName = config.Model,
            AccumulatedCost = (previous?.AccumulatedCost ?? 0) + cost,
            MaxBudgetPerTask = previous?.MaxBudgetPerTask,
            AccumulatedTokenUsage = accumulated,
            Costs = cost > 0
                ? [.. previous?.Costs ?? [], new CostEntry(config.Model, cost, now.ToUnixTimeMilliseconds() / 1000.0)]
                : previous?.Costs ?? [],
            ResponseLatencies = [.. previous?.ResponseLatencies ?? [], new ResponseLatency(config.Model, latency.TotalSeconds, responseId)],
            TokenUsages = prompt > 0 || completion > 0 ? [.. previous?.TokenUsages ?? [], call] : previous?.TokenUsages ?? [],
        };
        var map = new Dictionary<string, Metrics>(stats.UsageToMetrics) { [config.UsageId] = metrics };
        return new ConversationStats { UsageToMetrics = map };
    }

    /// <summary>
    /// The stats as a <c>stats</c> state-update event carries them: OpenHands sends a metrics snapshot there, without
    /// the per-call lists, which stay in the conversation's state.
    /// </summary>
    public static ConversationStats WithoutLedger(ConversationStats stats) => new()
    {
        UsageToMetrics = stats.UsageToMetrics.ToDictionary(kv => kv.Key,
            kv => kv.Value with { Costs = null, ResponseLatencies = null, TokenUsages = null }),
    };

    /// <summary>The latest call of a usage id, or null before its first call.</summary>
    public static TokenUsage? LastCall(ConversationStats stats, string usageId) =>
        stats.UsageToMetrics.GetValueOrDefault(usageId)?.TokenUsages is { Count: > 0 } calls ? calls[^1] : null;

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
