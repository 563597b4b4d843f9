using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Llm;

[JsonConverter(typeof(JsonStringEnumConverter<MessageRole>))]
public enum MessageRole
{
    [JsonStringEnumMemberName("user")] User,
    [JsonStringEnumMemberName("system")] System,
    [JsonStringEnumMemberName("assistant")] Assistant,
    [JsonStringEnumMemberName("tool")] Tool,
}

/// <summary>An LLM message as OpenHands stores it inside <c>MessageEvent.llm_message</c>.</summary>
public sealed record Message
{
    public MessageRole Role { get; init; } = MessageRole.User;

    /// <summary>Accepts a bare string (coerced to one text part) or null, like OpenHands' Message model.</summary>
    [JsonConverter(typeof(LenientContentListConverter))]
    public IReadOnlyList<ContentItem> Content { get; init; } = [];

    public IReadOnlyList<MessageToolCall>? ToolCalls { get; init; }
    public string? ToolCallId { get; init; }
    public string? Name { get; init; }
    public string? ReasoningContent { get; init; }
    public IReadOnlyList<JsonElement> ThinkingBlocks { get; init; } = [];
    public JsonElement? ResponsesReasoningItem { get; init; }

    /// <summary>All text parts joined with newlines.</summary>
    public string Text() => ContentText.Join(Content);
}

/// <summary>A tool call the model made; <c>arguments</c> is the raw JSON string.</summary>
public sealed record MessageToolCall
{
    public required string Id { get; init; }
    public string? ResponsesItemId { get; init; }
    public required string Name { get; init; }
    public required string Arguments { get; init; }
    public string Origin { get; init; } = "completion";
}
