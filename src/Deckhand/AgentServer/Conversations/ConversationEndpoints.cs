using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Replay;
using Deckhand.Engine.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Deckhand.AgentServer.Conversations;

/// <summary><c>/api/conversations</c>: create, read, search, update, delete, and run control.</summary>
public static class ConversationEndpoints
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapConversations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/conversations").WithTags("Conversations");
        group.MapGet("/search", SearchAsync);
        group.MapGet("/count", Count);
        group.MapGet("", BatchGetAsync);
        group.MapPost("", CreateAsync).Accepts<StartConversationRequest>("application/json")
            .Produces<ConversationInfo>(StatusCodes.Status201Created).Produces<ConversationInfo>();
        group.MapGet("/{conversation_id}", GetAsync);
        group.MapPatch("/{conversation_id}", UpdateAsync).Accepts<UpdateConversationRequest>("application/json");
        group.MapDelete("/{conversation_id}", DeleteAsync);
        group.MapPost("/{conversation_id}/run", RunAsync);
        group.MapPost("/{conversation_id}/pause", PauseAsync);
        group.MapPost("/{conversation_id}/interrupt", InterruptAsync);
        group.MapPost("/{conversation_id}/condense", CondenseAsync);
        group.MapGet("/{conversation_id}/agent_final_response", FinalResponseAsync);
        group.MapConversationTree();
        return app;
    }

    private static Results<JsonHttpResult<ConversationPage>, JsonHttpResult<ValidationErrorBody>> SearchAsync(
        ConversationService service, string? page_id = null, int limit = MaxPageSize, string? status = null, string? sort_order = null,
        bool include_skills = false)
    {
        if (limit is < 1 or > MaxPageSize)
            return ApiErrors.Invalid("query.limit", $"limit must be between 1 and {MaxPageSize}.", "less_than_equal");
        if (!TryStatus(status, out var statusFilter, out var statusError))
            return statusError!;
        ConversationSort sort;
        switch (sort_order ?? "CREATED_AT_DESC")
        {
            case "CREATED_AT": sort = ConversationSort.CreatedAt; break;
            case "UPDATED_AT": sort = ConversationSort.UpdatedAt; break;
            case "CREATED_AT_DESC": sort = ConversationSort.CreatedAtDesc; break;
            case "UPDATED_AT_DESC": sort = ConversationSort.UpdatedAtDesc; break;
            default:
                return ApiErrors.Invalid("query.sort_order", "sort_order must be one of CREATED_AT, UPDATED_AT, CREATED_AT_DESC, UPDATED_AT_DESC.", "enum");
        }
        Guid? page = Guid.TryParse(page_id, out var parsed) ? parsed : null;
        var result = service.Store.SearchConversations(new ConversationQuery { Status = statusFilter, Sort = sort, PageId = page, Limit = limit });
        var items = result.Items.Select(s => SkillTrim.Apply(ConversationInfo.From(s) with { SubConversationIds = service.Store.ListChildren(s.State.Id) }, include_skills)).ToList();
        return TypedResults.Json(new ConversationPage(items, result.NextPageId?.ToString("N")), DeckhandJson.Wire.ConversationPage);
    }

    private static Results<JsonHttpResult<long>, JsonHttpResult<ValidationErrorBody>> Count(ConversationService service, string? status = null)
    {
        if (!TryStatus(status, out var statusFilter, out var statusError))
            return statusError!;
        return TypedResults.Json(service.Store.CountConversations(statusFilter), DeckhandJson.Wire.Int64);
    }

    private static async Task<Results<JsonHttpResult<List<ConversationInfo?>>, JsonHttpResult<ValidationErrorBody>>> BatchGetAsync(
        ConversationService service, [FromQuery] string[]? ids, CancellationToken cancellationToken, bool include_skills = false)
    {
        ids ??= [];
        if (ids.Length >= MaxPageSize)
            return ApiErrors.Invalid("query.ids", $"At most {MaxPageSize - 1} ids per request.");
        var result = new List<ConversationInfo?>(ids.Length);
        foreach (var raw in ids)
        {
            if (!Guid.TryParse(raw, out var id))
                return ApiErrors.Invalid("query.ids", $"'{Truncate(raw)}' is not a valid UUID.", "uuid_parsing");
            result.Add((await service.GetAsync(id, cancellationToken)) is { } runner ? SkillTrim.Apply(runner.Info, include_skills) : null);
        }
        return TypedResults.Json(result, DeckhandJson.Wire.ListConversationInfo);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ConversationService service, AgentServerOptions options,
        CancellationToken cancellationToken, bool include_skills = false)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.StartConversationRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var problems = StartRequestValidation.Validate(body!, service.Tools);
        if (problems.Count > 0)
            return ApiErrors.Invalid(problems);
        V0Replay? replay = null;
        if (body!.ReplayJson is { } replayJson && !V0Trajectory.TryParse(replayJson, body.Workspace.WorkingDir, out replay, out var replayError))
            return ApiErrors.Invalid("body.replay_json", replayError);
        ConversationRunner runner;
        bool created;
        try
        {
            (runner, created) = await service.CreateAsync(body!, replay, cancellationToken);
        }
        catch (InvalidParentException ex)
        {
            return ApiErrors.Invalid("body.parent_conversation_id", ex.Message);
        }
        // A replay starts from the recording's first user message (validation refuses both at once).
        var first = body!.InitialMessage is { } initial ? StartRequestValidation.ToMessage(initial) : replay?.InitialMessage;
        if (created && first is not null)
            await runner.SendMessageAsync(first, run: true, cancellationToken);
        return TypedResults.Json(SkillTrim.Apply(runner.Info, include_skills), DeckhandJson.Wire.ConversationInfo,
            statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> GetAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken,
        bool include_skills = false)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var runner = await service.GetAsync(id, cancellationToken);
        return runner is null ? ApiErrors.NotFound() : TypedResults.Json(SkillTrim.Apply(runner.Info, include_skills), DeckhandJson.Wire.ConversationInfo);
    }

    private static async Task<IResult> UpdateAsync(string conversation_id, HttpRequest request, ConversationService service,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.UpdateConversationRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var title = body!.Title?.Trim();
        if (body.Title is not null && title!.Length is < 1 or > 200)
            return ApiErrors.Invalid("body.title", "title must be 1 to 200 characters.", "string_too_long");
        if (body.Tags is not null && StartRequestValidation.TagProblem(body.Tags) is { } tagProblem)
            return ApiErrors.Invalid([tagProblem]);
        if (body.MaxBudgetPerTask is { } budget && !(budget > 0 && double.IsFinite(budget)))
            return ApiErrors.Invalid("body.max_budget_per_task", "max_budget_per_task must be a positive number of USD.", "greater_than");
        if (body.MaxIterations is < 1)
            return ApiErrors.Invalid("body.max_iterations", "max_iterations must be at least 1.", "greater_than_equal");
        var done = await service.WithAsync(id, async runner =>
        {
            await runner.UpdateAsync(title, body.Tags, cancellationToken, body.MaxIterations);
            if (body.MaxBudgetPerTask is { } newBudget)
                await runner.SetBudgetAsync(newBudget, cancellationToken);
            return SuccessResponse.True;
        }, cancellationToken);
        // OpenHands answers 200 {"success": false} for an unknown id (quirk kept: its clients read it).
        return TypedResults.Json(done ?? SuccessResponse.False, DeckhandJson.Wire.SuccessResponse);
    }

    private static async Task<IResult> DeleteAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        // OpenHands answers 400, not 404, when deleting, pausing or interrupting an unknown conversation (quirk kept).
        return await service.DeleteAsync(id, cancellationToken)
            ? Success()
            : ApiErrors.Detail(StatusCodes.Status400BadRequest, $"Conversation not found: {id}");
    }

    private static async Task<IResult> RunAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var outcome = await service.WithAsync(id, async runner => (object)await runner.RunAsync(cancellationToken), cancellationToken);
        return outcome switch
        {
            null => ApiErrors.ConversationNotFound(id),
            RunStart.AlreadyRunning => ApiErrors.Detail(StatusCodes.Status409Conflict,
                "Conversation already running. Wait for completion or pause first."),
            _ => Success(),
        };
    }

    private static async Task<IResult> CondenseAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var outcome = await service.WithAsync(id, async runner => (object)await runner.CondenseAsync(cancellationToken), cancellationToken);
        // OpenHands fails with a 500 (a ValueError) when the agent has no condenser; a clear 400 says the same.
        return outcome switch
        {
            null => ApiErrors.ConversationNotFound(id),
            false => ApiErrors.Detail(StatusCodes.Status400BadRequest,
                "This conversation's agent does not condense (its condenser is NoOpCondenser), so there is nothing to run the condensation."),
            _ => Success(),
        };
    }

    private static Task<IResult> PauseAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken) =>
        ControlAsync(conversation_id, service, (r, ct) => r.PauseAsync(ct), cancellationToken);

    private static Task<IResult> InterruptAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken) =>
        ControlAsync(conversation_id, service, (r, ct) => r.InterruptAsync(ct), cancellationToken);

    private static async Task<IResult> ControlAsync(string conversation_id, ConversationService service,
        Func<ConversationRunner, CancellationToken, Task> command, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var done = await service.WithAsync(id, async runner =>
        {
            await command(runner, cancellationToken);
            return SuccessResponse.True;
        }, cancellationToken);
        return done is null ? ApiErrors.Detail(StatusCodes.Status400BadRequest, $"Conversation not found: {id}") : Success();
    }

    private static async Task<IResult> FinalResponseAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        if (await service.GetAsync(id, cancellationToken) is null)
            return ApiErrors.ConversationNotFound(id);
        return TypedResults.Json(new AgentFinalResponse(FinalResponse.Find(service.Store, id)), DeckhandJson.Wire.AgentFinalResponse);
    }

    private static JsonHttpResult<SuccessResponse> Success() => TypedResults.Json(SuccessResponse.True, DeckhandJson.Wire.SuccessResponse);

    private static bool TryStatus(string? value, out ExecutionStatus? status, out JsonHttpResult<ValidationErrorBody>? error)
    {
        status = null;
        error = null;
        if (value is null)
            return true;
        if (ExecutionStatusNames.TryParse(value, out var parsed))
        {
            status = parsed;
            return true;
        }
        error = ApiErrors.Invalid("query.status", "status must be one of idle, running, paused, waiting_for_confirmation, finished, error, stuck.", "enum");
        return false;
    }

    internal static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
