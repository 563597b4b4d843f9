using Deckhand.Contracts.Conversations;

namespace Deckhand.Engine.Storage;

/// <summary>Filters shared by event search and count. Kinds are short class names; timestamps naive local ISO.</summary>
public sealed record EventFilter
{
    public string? Kind { get; init; }
    public string? Source { get; init; }
    public string? Body { get; init; }
    public string? TimestampGte { get; init; }
    public string? TimestampLt { get; init; }
}

public sealed record EventQuery
{
    public EventFilter Filter { get; init; } = new();
    public string? PageId { get; init; }
    public int Limit { get; init; } = 100;
    public bool Descending { get; init; }
}

public sealed record EventSearchResult(IReadOnlyList<Events.StoredEvent> Items, string? NextPageId);

public enum ConversationSort
{
    CreatedAt,
    UpdatedAt,
    CreatedAtDesc,
    UpdatedAtDesc,
}

public sealed record ConversationQuery
{
    public ExecutionStatus? Status { get; init; }
    public ConversationSort Sort { get; init; } = ConversationSort.CreatedAtDesc;
    public Guid? PageId { get; init; }
    public int Limit { get; init; } = 100;
}

public sealed record ConversationSearchResult(IReadOnlyList<ConversationSnapshot> Items, Guid? NextPageId);
