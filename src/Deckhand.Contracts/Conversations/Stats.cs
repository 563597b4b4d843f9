namespace Deckhand.Contracts.Conversations;

/// <summary>LLM usage per usage id (<c>default</c> for the agent).</summary>
public sealed record ConversationStats
{
    public IReadOnlyDictionary<string, Metrics> UsageToMetrics { get; set; } = new Dictionary<string, Metrics>();
}

public sealed record Metrics
{
    public string ModelName { get; set; } = "default";
    public double AccumulatedCost { get; set; }
    public double? MaxBudgetPerTask { get; set; }
    public TokenUsage? AccumulatedTokenUsage { get; set; }
    /// <summary>One entry per LLM call that cost something. Null only in <c>stats</c> state-update events, which omit the lists.</summary>
    public IReadOnlyList<CostEntry>? Costs { get; set; } = [];
    /// <summary>One entry per LLM call.</summary>
    public IReadOnlyList<ResponseLatency>? ResponseLatencies { get; set; } = [];
    /// <summary>One entry per LLM call that reported tokens.</summary>
    public IReadOnlyList<TokenUsage>? TokenUsages { get; set; } = [];
}

public sealed record TokenUsage
{
    public string Model { get; set; } = "";
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public long ContextWindow { get; set; }
    public long PerTurnToken { get; set; }
    public string ResponseId { get; set; } = "";
}

/// <summary>The cost of one LLM call (USD); <c>timestamp</c> is epoch seconds.</summary>
public sealed record CostEntry(string Model, double Cost, double Timestamp);

/// <summary>How long one LLM call took, in seconds.</summary>
public sealed record ResponseLatency(string Model, double Latency, string ResponseId);
