using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Mcp;
using Deckhand.Contracts.Server;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Tools.Mcp;

namespace Deckhand.AgentServer.Mcp;

/// <summary>
/// MCP routes: <c>GET /api/conversations/{id}/mcp</c> (Deckhand's own: each server's status, tools and error) and
/// OpenHands' <c>POST /api/mcp/test</c> (try a server configuration without keeping it; no OAuth).
/// </summary>
public static class McpEndpoints
{
    public static IEndpointRouteBuilder MapMcp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/conversations/{conversation_id}/mcp", StatusAsync).WithTags("MCP")
            .Produces<McpServersStatus>();
        app.MapPost("/api/mcp/test", TestAsync).WithTags("MCP")
            .Accepts<McpTestRequest>("application/json").Produces<McpTestResponse>();
        return app;
    }

    private static async Task<IResult> StatusAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var runner = await service.GetAsync(id, cancellationToken);
        if (runner is null)
            return ApiErrors.ConversationNotFound(id);
        var status = runner.Agent.Mcp?.Status() ?? new McpServersStatus([]);
        return TypedResults.Json(status, DeckhandJson.Wire.McpServersStatus);
    }

    private static async Task<IResult> TestAsync(HttpRequest request, AgentServerOptions options, CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.McpTestRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var problems = McpProbe.Validate(body!);
        if (problems.Count > 0)
            return ApiErrors.Invalid([.. problems.Select(p => new FieldProblem("value_error", p.Location.Split('.'), p.Message))]);
        var result = await McpProbe.RunAsync(body!, cancellationToken);
        // Nulls omitted, as OpenHands answers (response_model_exclude_none).
        return TypedResults.Json(result, DeckhandJson.Compact.McpTestResponse);
    }
}
