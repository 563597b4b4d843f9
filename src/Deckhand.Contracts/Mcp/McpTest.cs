using System.Text.Json;

namespace Deckhand.Contracts.Mcp;

/// <summary><c>POST /api/mcp/test</c>: try one MCP server configuration without keeping it.</summary>
public sealed record McpTestRequest
{
    /// <summary>Only used in messages.</summary>
    public string Name { get; set; } = "test-server";
    /// <summary>One MCPServer (spec §5.7); <c>type</c> is accepted in place of <c>transport</c>.</summary>
    public required JsonElement Server { get; init; }
    /// <summary>Seconds allowed for connecting and listing tools (and for the optional tool call).</summary>
    public double Timeout { get; set; } = 15;
    public McpTestToolCall? ToolCall { get; set; }
}

/// <summary>A tool to call once the server is up (pick a read-only one).</summary>
public sealed record McpTestToolCall
{
    public required string Name { get; init; }
    public JsonElement? Arguments { get; set; }
}

/// <summary>200 in both outcomes: <c>ok</c> with the tool names, or not <c>ok</c> with the error.</summary>
public sealed record McpTestResponse
{
    public bool Ok { get; set; }
    public IReadOnlyList<string>? Tools { get; set; }
    public McpTestToolResult? ToolResult { get; set; }
    public string? Error { get; set; }
    /// <summary><c>timeout</c>, <c>connection</c> or <c>unknown</c>.</summary>
    public string? ErrorKind { get; set; }
}

public sealed record McpTestToolResult(bool IsError, string Text);
