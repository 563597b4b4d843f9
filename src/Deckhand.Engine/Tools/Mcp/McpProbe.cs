using System.Text.Json;
using Deckhand.Contracts.Mcp;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace Deckhand.Engine.Tools.Mcp;

/// <summary>
/// <c>POST /api/mcp/test</c>: starts one server configuration, lists its tools, optionally calls one, and ends it.
/// Nothing is kept. A server that does not work is an expected answer (<c>ok: false</c>), not an HTTP error.
/// </summary>
public static class McpProbe
{
    /// <summary>What is wrong with the request itself (reported as 422), by location.</summary>
    public static List<(string Location, string Message)> Validate(McpTestRequest request)
    {
        var problems = new List<(string, string)>();
        if (request.Name.Trim().Length is < 1 or > 128)
            problems.Add(("body.name", "name must be 1 to 128 characters."));
        if (!(request.Timeout > 0 && request.Timeout <= 120))
            problems.Add(("body.timeout", "timeout must be more than 0 and at most 120 seconds."));
        var found = new List<string>();
        McpServerSpec.Parse(Name(request), request.Server, found);
        problems.AddRange(found.Select(f => ("body.server", f)));
        if (request.ToolCall is { } call && string.IsNullOrWhiteSpace(call.Name))
            problems.Add(("body.tool_call.name", "name must not be empty."));
        if (request.ToolCall?.Arguments is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
            problems.Add(("body.tool_call.arguments", "arguments must be an object."));
        return problems;
    }

    /// <summary>Runs the probe; call <see cref="Validate"/> first.</summary>
    public static async Task<McpTestResponse> RunAsync(McpTestRequest request, CancellationToken cancellationToken)
    {
        var spec = McpServerSpec.Parse(Name(request), request.Server, []) ?? throw new ArgumentException("Invalid server configuration.");
        var timeout = TimeSpan.FromSeconds(request.Timeout);
        var connection = new McpConnection(spec with { Enabled = true }, Environment.CurrentDirectory, NullLoggerFactory.Instance);
        await using (connection)
        {
            await connection.StartAsync(timeout).WaitAsync(cancellationToken);
            if (connection.State != McpState.Ready)
            {
                return new McpTestResponse
                {
                    Ok = false,
                    Error = $"MCP server '{spec.Name}' failed to start: {connection.Error}",
                    ErrorKind = connection.TimedOut ? "timeout" : "connection",
                };
            }
            var names = connection.Tools.Select(t => t.Name).ToList();
            McpTestToolResult? result = null;
            if (request.ToolCall is { } call)
                result = await CallAsync(connection, call, names, timeout, cancellationToken);
            return new McpTestResponse { Ok = true, Tools = names, ToolResult = result };
        }
    }

    private static async Task<McpTestToolResult> CallAsync(McpConnection connection, McpTestToolCall call, List<string> names,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!names.Contains(call.Name))
            return new(true, $"The server has no tool '{call.Name}'. Its tools: {(names.Count == 0 ? "none" : string.Join(", ", names))}.");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var arguments = call.Arguments is { ValueKind: JsonValueKind.Object } a ? a : ToolSchema.Parse("{}");
        try
        {
            var result = await connection.CallAsync(call.Name, arguments, deadline.Token);
            var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(b => b.Text));
            return new(result.IsError == true, text);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(true, $"The call to '{call.Name}' timed out after {Seconds(timeout)} seconds.");
        }
        catch (Exception ex) when (ex is McpUnavailableException or ModelContextProtocol.McpException)
        {
            return new(true, ex.Message);
        }
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static string Name(McpTestRequest request) => request.Name.Trim() is { Length: > 0 } name ? name : "test-server";
}
