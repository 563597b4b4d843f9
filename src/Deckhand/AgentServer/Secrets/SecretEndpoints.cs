using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Secrets;

namespace Deckhand.AgentServer.Secrets;

/// <summary>
/// <c>POST /api/conversations/{id}/secrets</c>: adds or replaces a conversation's secrets. Values are stored like the
/// LLM keys (in the 0600 database) and never returned: every response and event shows them as <c>"**********"</c>.
/// </summary>
public static class SecretEndpoints
{
    public static IEndpointRouteBuilder MapSecrets(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/conversations/{conversation_id}/secrets", UpdateAsync).WithTags("Conversations")
            .Accepts<UpdateSecretsRequest>("application/json");
        return app;
    }

    private static async Task<IResult> UpdateAsync(string conversation_id, HttpRequest request, ConversationService service,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.UpdateSecretsRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var problems = new List<(string Name, string Error)>();
        var secrets = SecretInput.ParseAll(body!.Secrets, problems);
        if (problems.Count > 0)
            return ApiErrors.Invalid([.. problems.Select(p => new FieldProblem("value_error", ["body", "secrets", p.Name], p.Error))]);
        var done = await service.WithAsync(id, async runner =>
        {
            await runner.UpdateSecretsAsync(secrets, cancellationToken);
            return SuccessResponse.True;
        }, cancellationToken);
        return done is null
            ? ApiErrors.ConversationNotFound(id)
            : TypedResults.Json(SuccessResponse.True, DeckhandJson.Wire.SuccessResponse);
    }
}
