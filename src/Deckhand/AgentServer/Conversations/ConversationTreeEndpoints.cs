using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Llm;

namespace Deckhand.AgentServer.Conversations;

/// <summary>
/// The conversation tree: <c>POST /{id}/fork</c> and <c>POST /{id}/ask_agent</c>. Sub-conversation links are set at
/// creation (<c>parent_conversation_id</c>) and read back as <c>sub_conversation_ids</c>.
/// </summary>
public static class ConversationTreeEndpoints
{
    public static RouteGroupBuilder MapConversationTree(this RouteGroupBuilder group)
    {
        group.MapPost("/{conversation_id}/fork", ForkAsync).Accepts<ForkConversationRequest>("application/json")
            .Produces<ConversationInfo>(StatusCodes.Status201Created);
        group.MapPost("/{conversation_id}/ask_agent", AskAgentAsync).Accepts<AskAgentRequest>("application/json")
            .Produces<AskAgentResponse>();
        return group;
    }

    private static async Task<IResult> ForkAsync(string conversation_id, HttpRequest request, ConversationService service,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadOptionalAsync(request, DeckhandJson.Wire.ForkConversationRequest, options.MaxJsonBodyBytes,
            () => new ForkConversationRequest(), cancellationToken);
        if (error is not null)
            return error;
        if (body!.Title is not null)
        {
            body.Title = body.Title.Trim();
            if (body.Title.Length is < 1 or > 200)
                return ApiErrors.Invalid("body.title", "title must be 1 to 200 characters.", "string_too_long");
        }
        if (body.Tags is not null && StartRequestValidation.TagProblem(body.Tags) is { } tagProblem)
            return ApiErrors.Invalid([tagProblem]);
        var result = await service.ForkAsync(id, body, cancellationToken);
        return result.Status switch
        {
            ForkStatus.SourceNotFound => ApiErrors.ConversationNotFound(id),
            ForkStatus.EventNotFound => ApiErrors.NotFound($"Event not found: {ConversationEndpoints.Truncate(body.FromEventId!)}"),
            ForkStatus.IdExists => ApiErrors.Detail(StatusCodes.Status409Conflict, $"Conversation {body.Id} already exists."),
            _ => TypedResults.Json(result.Fork!.Info, DeckhandJson.Wire.ConversationInfo, statusCode: StatusCodes.Status201Created),
        };
    }

    private static async Task<IResult> AskAgentAsync(string conversation_id, HttpRequest request, ConversationService service,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.AskAgentRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (string.IsNullOrWhiteSpace(body!.Question))
            return ApiErrors.Invalid("body.question", "question must not be empty.", "string_too_short");
        string? answer;
        try
        {
            answer = await service.WithAsync(id, runner => runner.AskAgentAsync(body.Question, cancellationToken), cancellationToken);
        }
        catch (LlmException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status502BadGateway, $"{ex.Code}: {ex.Message}");
        }
        // OpenHands answers an unknown id with a 500 (quirk); a 404 says what happened and no client relies on the 500.
        return answer is null
            ? ApiErrors.ConversationNotFound(id)
            : TypedResults.Json(new AskAgentResponse(answer), DeckhandJson.Wire.AskAgentResponse);
    }
}
