namespace Deckhand.AppServer.EventCallbacks;

/// <summary>Statuses of an <see cref="EventCallback"/> (OpenHands <c>EventCallbackStatus</c>).</summary>
public static class EventCallbackStatus
{
    public const string Active = "ACTIVE";
    public const string Disabled = "DISABLED";
    public const string Completed = "COMPLETED";
    public const string Error = "ERROR";
}

/// <summary>Statuses of an <see cref="EventCallbackResult"/>.</summary>
public static class EventCallbackResultStatus
{
    public const string Success = "SUCCESS";
    public const string Error = "ERROR";
}

/// <summary>
/// A registered callback (table <c>event_callback</c>): runs <see cref="Processor"/> for events of
/// <see cref="ConversationId"/> (null: every conversation) whose kind is <see cref="EventKind"/> (null: every kind).
/// </summary>
public sealed record EventCallback
{
    public required Guid Id { get; init; }
    public Guid? ConversationId { get; init; }
    public required EventCallbackProcessor Processor { get; init; }
    public string? EventKind { get; init; }
    public string Status { get; init; } = EventCallbackStatus.Active;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One run of a callback on one event (table <c>event_callback_result</c>).</summary>
public sealed record EventCallbackResult
{
    public required Guid Id { get; init; }
    public required string Status { get; init; }
    public required Guid EventCallbackId { get; init; }
    public required string EventId { get; init; }
    public required Guid ConversationId { get; init; }
    public string? Detail { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
