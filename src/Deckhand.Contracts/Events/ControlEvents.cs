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
    public IReadOnlyList<string> ForgottenEventIds { get; set; } = [];
    public string? Summary { get; set; }
    public int? SummaryOffset { get; set; }
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
    public string Key { get; set; } = Guid.NewGuid().ToString();
    public JsonElement Value { get; set; }
}

/// <summary>A conversation-level failure (LLM error, limits reached, restart while running, ...).</summary>
public sealed record ConversationErrorEvent : Event
{
    public ConversationErrorEvent() => Source = EventSource.Environment;
    public required string Code { get; init; }
    public required string Detail { get; init; }
    public ErrorClassification? Classification { get; set; }
}

public sealed record LLMCompletionLogEvent : Event
{
    public LLMCompletionLogEvent() => Source = EventSource.Environment;
    public required string Filename { get; init; }
    public required string LogData { get; init; }
    public string ModelName { get; set; } = "unknown";
    public string UsageId { get; set; } = "default";
}

/// <summary>Tokens as they stream from the model. Sent to live subscribers only, never stored.</summary>
public sealed record StreamingDeltaEvent : Event
{
    public StreamingDeltaEvent() => Source = EventSource.Agent;
    public string? Content { get; set; }
    public string? ReasoningContent { get; set; }
}

public sealed record TokenEvent : Event
{
    public IReadOnlyList<int> PromptTokenIds { get; set; } = [];
    public IReadOnlyList<int> ResponseTokenIds { get; set; } = [];
}

public sealed record HookExecutionEvent : Event
{
    public HookExecutionEvent() => Source = EventSource.Hook;
    public required string HookEventType { get; init; }
    public required string HookCommand { get; init; }
    public string? ToolName { get; set; }
    public bool Success { get; set; }
    public bool Blocked { get; set; }
    public int? ExitCode { get; set; }
    public string Stdout { get; set; } = "";
    public string Stderr { get; set; } = "";
    public string? Reason { get; set; }
    public string? AdditionalContext { get; set; }
    public string? Error { get; set; }
    public string? ActionId { get; set; }
    public string? MessageId { get; set; }
    public JsonElement? HookInput { get; set; }
}

/// <summary>Sent on a WebSocket when a frame the client sent could not be processed; the socket stays open.</summary>
public sealed record ServerErrorEvent : Event
{
    public ServerErrorEvent() => Source = EventSource.Environment;
    public required string Code { get; init; }
    public required string Detail { get; init; }
}
