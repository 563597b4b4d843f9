namespace Deckhand.Contracts.Mcp;

/// <summary>Deckhand's <c>GET /api/conversations/{id}/mcp</c>: the conversation's MCP servers and what they offer.</summary>
public sealed record McpServersStatus(IReadOnlyList<McpServerStatus> Servers);

/// <summary>One MCP server of a conversation.</summary>
public sealed record McpServerStatus
{
    public required string Name { get; init; }
    /// <summary><c>stdio</c>, <c>http</c> (streamable HTTP) or <c>sse</c>.</summary>
    public required string Transport { get; init; }
    /// <summary><c>not_started</c>, <c>starting</c>, <c>ready</c>, <c>failed</c>, <c>disabled</c> or <c>stopped</c>.</summary>
    public required string Status { get; init; }
    /// <summary>Why the server failed, or which of its tools could not be offered.</summary>
    public string? Error { get; set; }
    /// <summary>Process id of a stdio server while it runs.</summary>
    public int? Pid { get; set; }
    public IReadOnlyList<McpToolInfo> Tools { get; set; } = [];
}

/// <summary>A tool as offered to the model.</summary>
public sealed record McpToolInfo(string Name, string Description);
