using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;

namespace Deckhand.Contracts.Events;

/// <summary>The system prompt and the tools offered to the model; first event of every conversation.</summary>
public sealed record SystemPromptEvent : Event
{
    public SystemPromptEvent() => Source = EventSource.Agent;
    public required TextContent SystemPrompt { get; init; }
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];
    public TextContent? DynamicContext { get; init; }
}

/// <summary>A chat message from the user or the agent.</summary>
public sealed record MessageEvent : Event
{
    public required Message LlmMessage { get; init; }
    public string? LlmResponseId { get; init; }
    public IReadOnlyList<string> ActivatedSkills { get; init; } = [];
    public IReadOnlyList<TextContent> ExtendedContent { get; init; } = [];
    public string? Sender { get; init; }
    public JsonElement? CriticResult { get; init; }
}

/// <summary>A tool call the agent made. <see cref="Action"/> is null when the call could not be validated.</summary>
public sealed record ActionEvent : Event
{
    public ActionEvent() => Source = EventSource.Agent;
    public IReadOnlyList<TextContent> Thought { get; init; } = [];
    public string? ReasoningContent { get; init; }
    public IReadOnlyList<JsonElement> ThinkingBlocks { get; init; } = [];
    public JsonElement? ResponsesReasoningItem { get; init; }
    public ToolAction? Action { get; init; }
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required MessageToolCall ToolCall { get; init; }
    public required string LlmResponseId { get; init; }
    public SecurityRisk SecurityRisk { get; init; } = SecurityRisk.Unknown;
    public JsonElement? CriticResult { get; init; }
    public string? Summary { get; init; }
}

/// <summary>The result of running an action.</summary>
public sealed record ObservationEvent : Event
{
    public ObservationEvent() => Source = EventSource.Environment;
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required ToolObservation Observation { get; init; }
    public required string ActionId { get; init; }
    public IReadOnlyList<TextContent> ExtendedContent { get; init; } = [];
}

/// <summary>An action the user (or a hook) refused to run.</summary>
public sealed record UserRejectObservation : Event
{
    public UserRejectObservation() => Source = EventSource.Environment;
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required string ActionId { get; init; }
    public string RejectionReason { get; init; } = "User rejected the action.";
    public string RejectionSource { get; init; } = "user";
}

/// <summary>A tool call that failed before or while running; the model sees <see cref="Error"/> as the tool result.</summary>
public sealed record AgentErrorEvent : Event
{
    public AgentErrorEvent() => Source = EventSource.Agent;
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required string Error { get; init; }
    public ErrorClassification Classification { get; init; } = ErrorClassification.Unknown;
}
