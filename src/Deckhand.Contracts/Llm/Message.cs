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
    public MessageRole Role { get; set; } = MessageRole.User;

    /// <summary>Accepts a bare string (coerced to one text part) or null, like OpenHands' Message model.</summary>
    [JsonConverter(typeof(LenientContentListConverter))]
    public IReadOnlyList<ContentItem> Content { get; set; } = [];

    public IReadOnlyList<MessageToolCall>? ToolCalls { get; set; }
    public string? ToolCallId { get; set; }
    public string? Name { get; set; }
    public string? ReasoningContent { get; set; }
    public IReadOnlyList<JsonElement> ThinkingBlocks { get; set; } = [];
    public JsonElement? ResponsesReasoningItem { get; set; }

    /// <summary>All text parts joined with newlines.</summary>
    public string Text() => ContentText.Join(Content);
}

/// <summary>A tool call the model made; <c>arguments</c> is the raw JSON string.</summary>
public sealed record MessageToolCall
{
    public required string Id { get; init; }
    public string? ResponsesItemId { get; set; }
    public required string Name { get; init; }
    public required string Arguments { get; init; }
    public string Origin { get; set; } = "completion";
}
