using System.Text.Json;

namespace Deckhand.Contracts.Tools;

/// <summary>A call to a tool of an MCP server: the model's arguments, passed on as they are.</summary>
public sealed record McpToolAction : ToolAction
{
    public JsonElement Data { get; set; } = EmptyObject;

    private static JsonElement EmptyObject { get; } = JsonDocument.Parse("{}").RootElement.Clone();
}

/// <summary>What an MCP tool returned (its text and images), or why the call failed.</summary>
public sealed record McpToolObservation : ToolObservation
{
    public required string ToolName { get; init; }
}
