using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Agent;

/// <summary>Folds one LLM response's usage into the conversation's stats (accumulated totals per usage id).</summary>
internal static class UsageStats
{
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
            CacheWriteTokens = total?.CacheWriteTokens ?? 0,
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
}
