namespace Deckhand.AppServer.AppConversations.Storage;

/// <summary>
/// A V1 row of <c>conversation_metadata</c>: what the catalogue keeps about a conversation (OpenHands'
/// <c>AppConversationInfo</c>); the live part comes from the sandbox when it is read.
/// </summary>
public sealed record AppConversationInfo
{
    public required Guid Id { get; init; }
    public string? CreatedByUserId { get; init; }
    public required string SandboxId { get; init; }
    public string? SelectedRepository { get; init; }
    public string? SelectedBranch { get; init; }
    public string? GitProvider { get; init; }
    public string? Title { get; init; }
    public string? Trigger { get; init; }
    public IReadOnlyList<int> PrNumber { get; init; } = [];
    public string? LlmModel { get; init; }
    public Guid? ParentConversationId { get; init; }
    public bool? Public { get; init; }
    public double AccumulatedCost { get; init; }
    public double? MaxBudgetPerTask { get; init; }
    public long PromptTokens { get; init; }
    public long CompletionTokens { get; init; }
    public long CacheReadTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long ReasoningTokens { get; init; }
    public long ContextWindow { get; init; }
    public long PerTurnToken { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary><c>conversation_version</c>: "V1", or "V0" for conversations created through the V0 facade.</summary>
    public string Version { get; init; } = "V1";
}

/// <summary>Filters of <c>app-conversations/search</c> and <c>/count</c>; all optional, AND-combined.</summary>
public sealed record AppConversationFilter
{
    public string? TitleContains { get; init; }
    public DateTimeOffset? CreatedAtGte { get; init; }
    public DateTimeOffset? CreatedAtLt { get; init; }
    public DateTimeOffset? UpdatedAtGte { get; init; }
    public DateTimeOffset? UpdatedAtLt { get; init; }
    public string? SandboxId { get; init; }
    public bool IncludeSubConversations { get; init; }
}
