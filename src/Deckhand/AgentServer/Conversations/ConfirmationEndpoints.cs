using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;
using Deckhand.Engine.Conversations;

namespace Deckhand.AgentServer.Conversations;

/// <summary>
/// Confirmation and risk on a live conversation: <c>POST /api/conversations/{id}/confirmation_policy</c>,
/// <c>POST /api/conversations/{id}/security_analyzer</c> and <c>POST /api/conversations/{id}/events/respond_to_confirmation</c>.
/// </summary>
public static class ConfirmationEndpoints
{
    public static IEndpointRouteBuilder MapConfirmation(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/conversations/{conversation_id}").WithTags("Conversations");
        group.MapPost("/confirmation_policy", SetPolicyAsync).Accepts<SetConfirmationPolicyRequest>("application/json");
        group.MapPost("/security_analyzer", SetAnalyzerAsync).Accepts<SetSecurityAnalyzerRequest>("application/json");
        group.MapPost("/events/respond_to_confirmation", RespondAsync).Accepts<ConfirmationResponseRequest>("application/json")
            .WithTags("Events");
        return app;
    }

    private static async Task<IResult> SetPolicyAsync(string conversation_id, HttpRequest request, ConversationService service,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.SetConfirmationPolicyRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (PolicyProblem(body!.Policy, "body.policy") is { } problem)
            return ApiErrors.Invalid([problem]);
        return await ApplyAsync(service, id, (r, ct) => r.SetConfirmationPolicyAsync(body.Policy, ct), cancellationToken);
    }

    private static async Task<IResult> SetAnalyzerAsync(string conversation_id, HttpRequest request, ConversationService service,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.SetSecurityAnalyzerRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        return await ApplyAsync(service, id, (r, ct) => r.SetSecurityAnalyzerAsync(body!.SecurityAnalyzer, ct), cancellationToken);
    }

    private static async Task<IResult> RespondAsync(string conversation_id, HttpRequest request, ConversationService service,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.ConfirmationResponseRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        return await ApplyAsync(service, id, (r, ct) => r.RespondToConfirmationAsync(body!.Accept, body.Reason, ct), cancellationToken);
    }

    private static async Task<IResult> ApplyAsync(ConversationService service, Guid id, Func<ConversationRunner, CancellationToken, Task> command,
        CancellationToken cancellationToken)
    {
        var done = await service.WithAsync(id, async runner =>
        {
            await command(runner, cancellationToken);
            return SuccessResponse.True;
        }, cancellationToken);
        return done is null ? ApiErrors.ConversationNotFound(id) : TypedResults.Json(done, DeckhandJson.Wire.SuccessResponse);
    }

    /// <summary><c>ConfirmRisky.threshold</c> must be LOW, MEDIUM or HIGH (OpenHands rejects UNKNOWN).</summary>
    internal static FieldProblem? PolicyProblem(ConfirmationPolicy policy, string location) =>
        policy is ConfirmRisky { Threshold: Contracts.Tools.SecurityRisk.Unknown }
            ? new FieldProblem("value_error", [.. location.Split('.'), "threshold"], "threshold must be LOW, MEDIUM or HIGH; UNKNOWN cannot be a threshold.")
            : null;
}
