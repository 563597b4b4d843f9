namespace Deckhand.Contracts.Conversations;

/// <summary>LLM usage per usage id (<c>default</c> for the agent).</summary>
public sealed record ConversationStats
{
    public IReadOnlyDictionary<string, Metrics> UsageToMetrics { get; init; } = new Dictionary<string, Metrics>();
}

public sealed record Metrics
{
    public string ModelName { get; init; } = "default";
    public double AccumulatedCost { get; init; }
    public double? MaxBudgetPerTask { get; init; }
    public TokenUsage? AccumulatedTokenUsage { get; init; }
    public IReadOnlyList<CostEntry>? Costs { get; init; }
    public IReadOnlyList<ResponseLatency>? ResponseLatencies { get; init; }
    public IReadOnlyList<TokenUsage>? TokenUsages { get; init; }
}

public sealed record TokenUsage
{
    public string Model { get; init; } = "";
    public long PromptTokens { get; init; }
    public long CompletionTokens { get; init; }
    public long CacheReadTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long ReasoningTokens { get; init; }
    public long ContextWindow { get; init; }
    public long PerTurnToken { get; init; }
    public string ResponseId { get; init; } = "";
}

public sealed record CostEntry(string Model, double Cost, double Timestamp);

public sealed record ResponseLatency(string Model, double Latency, string ResponseId);
