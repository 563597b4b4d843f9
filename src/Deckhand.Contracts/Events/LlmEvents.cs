using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;

namespace Deckhand.Contracts.Events;

/// <summary>The system prompt and the tools offered to the model; first event of every conversation.</summary>
public sealed record SystemPromptEvent : Event
{
    public SystemPromptEvent() => Source = EventSource.Agent;
    [JsonConverter(typeof(TaggedTextContentConverter))]
    public required TextContent SystemPrompt { get; init; }
    public IReadOnlyList<ToolDefinition> Tools { get; set; } = [];
    [JsonConverter(typeof(TaggedTextContentConverter))]
    public TextContent? DynamicContext { get; set; }
}

/// <summary>A chat message from the user or the agent.</summary>
public sealed record MessageEvent : Event
{
    public required Message LlmMessage { get; init; }
    public string? LlmResponseId { get; set; }
    public IReadOnlyList<string> ActivatedSkills { get; set; } = [];
    [JsonConverter(typeof(TaggedTextContentListConverter))]
    public IReadOnlyList<TextContent> ExtendedContent { get; set; } = [];
    public string? Sender { get; set; }
    public JsonElement? CriticResult { get; set; }
}

/// <summary>A tool call the agent made. <see cref="Action"/> is null when the call could not be validated.</summary>
public sealed record ActionEvent : Event
{
    public ActionEvent() => Source = EventSource.Agent;
    [JsonConverter(typeof(TaggedTextContentListConverter))]
    public IReadOnlyList<TextContent> Thought { get; set; } = [];
    public string? ReasoningContent { get; set; }
    public IReadOnlyList<JsonElement> ThinkingBlocks { get; set; } = [];
    public JsonElement? ResponsesReasoningItem { get; set; }
    public ToolAction? Action { get; set; }
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required MessageToolCall ToolCall { get; init; }
    public required string LlmResponseId { get; init; }
    public SecurityRisk SecurityRisk { get; set; } = SecurityRisk.Unknown;
    public JsonElement? CriticResult { get; set; }
    public string? Summary { get; set; }
}

/// <summary>The result of running an action.</summary>
public sealed record ObservationEvent : Event
{
    public ObservationEvent() => Source = EventSource.Environment;
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required ToolObservation Observation { get; init; }
    public required string ActionId { get; init; }
    [JsonConverter(typeof(TaggedTextContentListConverter))]
    public IReadOnlyList<TextContent> ExtendedContent { get; set; } = [];
}

/// <summary>An action the user (or a hook) refused to run.</summary>
public sealed record UserRejectObservation : Event
{
    public UserRejectObservation() => Source = EventSource.Environment;
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required string ActionId { get; init; }
    public string RejectionReason { get; set; } = "User rejected the action";
    public string RejectionSource { get; set; } = "user";
}

/// <summary>A tool call that failed before or while running; the model sees <see cref="Error"/> as the tool result.</summary>
public sealed record AgentErrorEvent : Event
{
    public AgentErrorEvent() => Source = EventSource.Agent;
    public required string ToolName { get; init; }
    public required string ToolCallId { get; init; }
    public required string Error { get; init; }
    public ErrorClassification Classification { get; set; } = ErrorClassification.Unknown;
}
