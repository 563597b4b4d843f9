using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Tools;
using ModelContextProtocol.Protocol;
using TextContent = Deckhand.Contracts.Content.TextContent;
using ToolAnnotations = Deckhand.Contracts.Tools.ToolAnnotations;

namespace Deckhand.Engine.Tools.Mcp;

/// <summary>
/// One tool of an MCP server, offered to the model like any other tool (spec §5.7): named as the server names it,
/// its input schema simplified, its annotations copied. Calls go through the same tool-call path as built-in tools
/// and each is bounded by the server's call timeout; a call that runs out of time is cancelled on the server and
/// comes back as an error observation.
/// </summary>
internal sealed class McpTool : ITool
{
    private const string NoDescription = "No description provided";

    private readonly McpConnection _server;
    private readonly TimeSpan _timeout;

    public McpTool(McpConnection server, Tool tool, TimeSpan timeout)
    {
        _server = server;
        _timeout = timeout;
        Name = tool.Name;
        Parameters = McpSchema.Simplify(tool.InputSchema);
        var annotations = tool.Annotations is { } a
            ? new ToolAnnotations
            {
                Title = a.Title,
                // MCP's defaults when a hint is absent: not read-only, destructive, not idempotent, open world.
                ReadOnlyHint = a.ReadOnlyHint ?? false,
                DestructiveHint = a.DestructiveHint ?? true,
                IdempotentHint = a.IdempotentHint ?? false,
                OpenWorldHint = a.OpenWorldHint ?? true,
            }
            : null;
        Definition = new ToolDefinition
        {
            Description = string.IsNullOrWhiteSpace(tool.Description) ? NoDescription : tool.Description,
            ActionType = "MCPToolAction",
            ObservationType = "MCPToolObservation",
            Annotations = annotations,
            Meta = tool.Meta is { } meta ? ToolSchema.Parse(meta.ToJsonString()) : null,
            Kind = "MCPToolDefinition",
            Title = annotations?.Title ?? tool.Title ?? tool.Name,
        };
    }

    public string Name { get; }

    public ToolDefinition Definition { get; }

    public JsonElement Parameters { get; }

    /// <summary>The server this tool belongs to.</summary>
    public string ServerName => _server.Spec.Name;

    public ToolAction Parse(JsonElement arguments) => new McpToolAction { Data = McpSchema.Check(arguments, Parameters) };

    public async Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken)
    {
        var data = ((McpToolAction)action).Data;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            var result = await _server.CallAsync(Name, data, deadline.Token);
            return Observation(result);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var seconds = _timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            return Failure($"MCP tool '{Name}' timed out after {seconds} seconds and was cancelled. The server may be slow or stuck; "
                + "try again with a smaller request, or use another tool.");
        }
        catch (McpUnavailableException ex)
        {
            return Failure(ex.Message);
        }
        catch (ModelContextProtocol.McpException ex)
        {
            // The server answered with an error (unknown tool, invalid arguments, ...): the model can act on it.
            return Failure($"MCP tool '{Name}' failed: {ex.Message}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return Failure($"MCP server '{ServerName}' could not be reached for '{Name}': {ex.Message}");
        }
    }

    private McpToolObservation Failure(string message) => new()
    {
        ToolName = Name,
        IsError = true,
        Content = [new TextContent(message)],
    };

    /// <summary>Spec §5.7: a "[Tool 'x' executed.]" line, then the text blocks, images as data URLs.</summary>
    private McpToolObservation Observation(CallToolResult result)
    {
        var content = new List<ContentItem> { new TextContent($"[Tool '{Name}' executed.]") };
        foreach (var block in result.Content)
        {
            switch (block)
            {
                case TextContentBlock text:
                    content.Add(new TextContent(text.Text));
                    break;
                case ImageContentBlock image:
                    content.Add(new ImageContent([$"data:{image.MimeType};base64,{System.Text.Encoding.UTF8.GetString(image.Data.Span)}"]));
                    break;
                case EmbeddedResourceBlock { Resource: TextResourceContents resource }:
                    content.Add(new TextContent(resource.Text));
                    break;
                case ResourceLinkBlock link:
                    content.Add(new TextContent($"[Resource: {link.Uri}]"));
                    break;
            }
        }
        if (content.Count == 1 && result.StructuredContent is { } structured)
            content.Add(new TextContent(structured.ToString()));
        return new McpToolObservation { ToolName = Name, IsError = result.IsError == true, Content = content };
    }
}
