using System.Text.Json;

namespace Deckhand.Contracts.Events;

public sealed record PauseEvent : Event
{
    public PauseEvent() => Source = EventSource.User;
}

public sealed record InterruptEvent : Event
{
    public InterruptEvent() => Source = EventSource.User;
}

public sealed record CondensationRequest : Event
{
    public CondensationRequest() => Source = EventSource.Environment;
}

/// <summary>Marks events as forgotten for the model's view; the events themselves stay in the log.</summary>
public sealed record Condensation : Event
{
    public Condensation() => Source = EventSource.Environment;
    public IReadOnlyList<string> ForgottenEventIds { get; init; } = [];
    public string? Summary { get; init; }
    public int? SummaryOffset { get; init; }
    public required string LlmResponseId { get; init; }
}

public sealed record CondensationSummaryEvent : Event
{
    public CondensationSummaryEvent() => Source = EventSource.Environment;
    public required string Summary { get; init; }
}

/// <summary>
/// A change of one conversation-state field (<c>key</c> = field name), or with <c>key</c> = <c>full_state</c>
/// a whole snapshot (those are only broadcast, never stored).
/// </summary>
public sealed record ConversationStateUpdateEvent : Event
{
    public const string FullStateKey = "full_state";

    public ConversationStateUpdateEvent() => Source = EventSource.Environment;
    public string Key { get; init; } = Guid.NewGuid().ToString();
    public JsonElement Value { get; init; }
}

/// <summary>A conversation-level failure (LLM error, limits reached, restart while running, ...).</summary>
public sealed record ConversationErrorEvent : Event
{
    public ConversationErrorEvent() => Source = EventSource.Environment;
    public required string Code { get; init; }
    public required string Detail { get; init; }
    public ErrorClassification? Classification { get; init; }
}

public sealed record LLMCompletionLogEvent : Event
{
    public LLMCompletionLogEvent() => Source = EventSource.Environment;
    public required string Filename { get; init; }
    public required string LogData { get; init; }
    public string ModelName { get; init; } = "unknown";
    public string UsageId { get; init; } = "default";
}

/// <summary>Tokens as they stream from the model. Sent to live subscribers only, never stored.</summary>
public sealed record StreamingDeltaEvent : Event
{
    public StreamingDeltaEvent() => Source = EventSource.Agent;
    public string? Content { get; init; }
    public string? ReasoningContent { get; init; }
}

public sealed record TokenEvent : Event
{
    public IReadOnlyList<int> PromptTokenIds { get; init; } = [];
    public IReadOnlyList<int> ResponseTokenIds { get; init; } = [];
}

public sealed record HookExecutionEvent : Event
{
    public HookExecutionEvent() => Source = EventSource.Hook;
    public required string HookEventType { get; init; }
    public required string HookCommand { get; init; }
    public string? ToolName { get; init; }
    public bool Success { get; init; }
    public bool Blocked { get; init; }
    public int? ExitCode { get; init; }
    public string Stdout { get; init; } = "";
    public string Stderr { get; init; } = "";
    public string? Reason { get; init; }
    public string? AdditionalContext { get; init; }
    public string? Error { get; init; }
    public string? ActionId { get; init; }
    public string? MessageId { get; init; }
    public JsonElement? HookInput { get; init; }
}

/// <summary>Sent on a WebSocket when a frame the client sent could not be processed; the socket stays open.</summary>
public sealed record ServerErrorEvent : Event
{
    public ServerErrorEvent() => Source = EventSource.Environment;
    public required string Code { get; init; }
    public required string Detail { get; init; }
}
