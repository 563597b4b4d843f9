using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Tools;

/// <summary>A tool as listed in <c>SystemPromptEvent.tools</c>. There is no name field: <c>title</c> carries it.</summary>
public sealed record ToolDefinition
{
    public required string Description { get; init; }
    public required string ActionType { get; init; }
    public string? ObservationType { get; set; }
    public ToolAnnotations? Annotations { get; set; }
    public JsonElement? Meta { get; set; }
    /// <summary>The OpenHands tool class name, e.g. <c>FinishTool</c>.</summary>
    public required string Kind { get; init; }
    public required string Title { get; init; }
}

/// <summary>MCP-style hints; these keys are camelCase on the wire.</summary>
public sealed record ToolAnnotations
{
    [JsonPropertyName("title")] public string? Title { get; set; }
    [JsonPropertyName("readOnlyHint")] public bool ReadOnlyHint { get; set; }
    [JsonPropertyName("destructiveHint")] public bool DestructiveHint { get; set; }
    [JsonPropertyName("idempotentHint")] public bool IdempotentHint { get; set; }
    [JsonPropertyName("openWorldHint")] public bool OpenWorldHint { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<SecurityRisk>))]
public enum SecurityRisk
{
    [JsonStringEnumMemberName("UNKNOWN")] Unknown,
    [JsonStringEnumMemberName("LOW")] Low,
    [JsonStringEnumMemberName("MEDIUM")] Medium,
    [JsonStringEnumMemberName("HIGH")] High,
}
