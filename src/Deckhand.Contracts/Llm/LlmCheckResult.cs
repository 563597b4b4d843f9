namespace Deckhand.Contracts.Llm;

/// <summary>What the LLM connection check found. A Deckhand-only shape (no OpenHands client reads it).</summary>
public sealed record LlmCheckResult
{
    public required string Model { get; init; }
    public bool Reachable { get; set; }
    public bool Authenticated { get; set; }
    public bool ModelExists { get; set; }
    public bool ToolCalling { get; set; }
    public double LatencyMs { get; set; }
    public string? ErrorCode { get; set; }
    public required string Verdict { get; init; }

    public bool Ok => Reachable && Authenticated && ModelExists && ToolCalling;
}
