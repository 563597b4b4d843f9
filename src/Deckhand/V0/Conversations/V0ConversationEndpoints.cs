using System.Globalization;
using System.Text.Json;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.AppConversations.Starting;
using Deckhand.AppServer.Settings;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Server;

namespace Deckhand.V0.Conversations;

/// <summary>
/// The V0 conversation routes (V0 spec §1.3): create, list, get, rename, delete, start, stop, and the microagent
/// management list. Bodies and error shapes are upstream's, route by route (see spec §7.2).
/// </summary>
public static class V0ConversationEndpoints
{
    public const int MaxTitleLength = 200;

    private static readonly string[] Triggers =
        ["resolver", "gui", "suggested_task", "openhands_api", "slack", "microagent_management", "jira", "jira_dc", "linear", "bitbucket"];

    public static IEndpointRouteBuilder MapV0Conversations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/conversations").WithTags("V0 conversations");
        group.MapPost("", CreateAsync).Accepts<JsonElement>("application/json").Produces<V0ConversationResponse>();
        group.MapGet("", ListAsync).Produces<V0ConversationInfoResultSet>();
        group.MapGet("/{conversation_id}", GetAsync).Produces<V0ConversationInfo>();
        group.MapPatch("/{conversation_id}", RenameAsync).Accepts<JsonElement>("application/json").Produces<bool>();
        group.MapDelete("/{conversation_id}", DeleteAsync).Produces<bool>();
        group.MapPost("/{conversation_id}/start", StartAsync).Accepts<JsonElement>("application/json").Produces<V0ConversationResponse>();
        group.MapPost("/{conversation_id}/stop", StopAsync).Produces<V0ConversationResponse>();
        app.MapGet("/api/microagent-management/conversations", MicroagentListAsync).WithTags("V0 conversations").Produces<V0ConversationInfoResultSet>();
        return app;
    }

    private static IResult Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, int status = 200) =>
        TypedResults.Json(value, info, statusCode: status);

    private static IResult Ok(string conversationId, string? message, string? status) =>
        Json(new V0ConversationResponse("ok", conversationId, message, status), V0ConversationJson.Default.V0ConversationResponse);

    private static async Task<IResult> CreateAsync(HttpRequest http, V0ConversationService service, ISettingsRepository settingsStore,
        CurrentUser user, AppServerOptions options, CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(http, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var (request, problems) = InitSessionRequest.Parse(body, options.AllowSetConversationId);
        if (request is null)
            return ApiErrors.Invalid(problems);
        var (plan, planProblem) = Plan(request);
        if (plan is null)
            return ApiErrors.Invalid([planProblem!]);

        // Upstream saves the metadata before it checks the settings: a failed create still leaves the conversation.
        await service.SaveNewRowAsync(user.Id, plan, cancellationToken);
        var settings = await settingsStore.GetAsync(user.Id, cancellationToken);
        if (settings is null)
            return Json(new V0MessageError("Settings not found", "CONFIGURATION$SETTINGS_NOT_FOUND"), V0ConversationJson.Default.V0MessageError, 400);
        var model = settings.LlmModel ?? "";
        if (!model.StartsWith("bedrock/", StringComparison.Ordinal) && !model.StartsWith("lemonade/", StringComparison.Ordinal)
            && string.IsNullOrWhiteSpace(settings.LlmApiKey?.Value))
            return Json(new V0MessageError("Error authenticating with the LLM provider. Please check your API key", "STATUS$ERROR_LLM_AUTHENTICATION"),
                V0ConversationJson.Default.V0MessageError, 400);

        var status = await service.CreateAsync(user.Id, plan, cancellationToken);
        return Ok(Ids.Hex(plan.ConversationId), null, status);
    }

    /// <summary>The V1 start request and extras an InitSessionRequest means (V0 spec §1.3 steps 1, 3, 6, 7).</summary>
    internal static (V0CreatePlan? Plan, FieldProblem? Problem) Plan(InitSessionRequest request)
    {
        var trigger = "gui";
        var message = request.InitialUserMsg;
        var repository = request.Repository;
        var provider = request.GitProvider;
        string? title = null;
        if (request.SuggestedTask is { } task)
        {
            message = SuggestedTaskPrompts.Render(task);
            if (message is null)
                return (null, new FieldProblem("value_error", ["body", "suggested_task", "task_type"], $"No prompt template for task type {task.TaskType}."));
            trigger = "suggested_task";
        }
        else if (request.CreateMicroagent is { } microagent)
        {
            trigger = "microagent_management";
            repository ??= microagent.Repo;
            provider ??= microagent.GitProvider;
            title = string.IsNullOrWhiteSpace(microagent.Title) ? null : microagent.Title.Trim();
        }
        var id = Guid.NewGuid();
        if (request.ConversationId is { } given && !V0ConversationIds.TryParse(given, out id))
            return (null, new FieldProblem("value_error", ["body", "conversation_id"], "conversation_id must be a UUID (32 hex digits, or dashed)."));

        SendMessageRequest? initial = null;
        var images = request.ImageUrls ?? [];
        if (!string.IsNullOrEmpty(message) || images.Count > 0)
        {
            List<ContentItem> content = [new TextContent(message ?? "")];
            if (images.Count > 0)
                content.Add(new ImageContent(images));
            initial = new SendMessageRequest { Role = MessageRole.User, Content = content, Run = true };
        }
        var start = new AppConversationStartRequest
        {
            SelectedRepository = repository,
            SelectedBranch = request.SelectedBranch,
            GitProvider = provider,
            Trigger = trigger,
            InitialMessage = initial,
        };
        var extras = new StartExtras
        {
            ConversationId = id,
            Version = V0ConversationService.Version,
            ConversationInstructions = request.ConversationInstructions,
            McpConfig = request.McpConfig,
            ReplayJson = request.ReplayJson,
        };
        return (new V0CreatePlan(id, start, extras, title), null);
    }

    private static async Task<IResult> ListAsync(HttpRequest http, V0ConversationList list, CurrentUser user, CancellationToken cancellationToken)
    {
        if (ReadListQuery(http.Query, requireRepository: false, out var query) is { } error)
            return error;
        return Json(await list.ListAsync(user.Id, query!, cancellationToken), V0ConversationJson.Default.V0ConversationInfoResultSet);
    }

    private static async Task<IResult> MicroagentListAsync(HttpRequest http, V0ConversationList list, CurrentUser user, CancellationToken cancellationToken)
    {
        if (ReadListQuery(http.Query, requireRepository: true, out var query) is { } error)
            return error;
        query = query! with { Trigger = "microagent_management" };
        return Json(await list.ListAsync(user.Id, query, cancellationToken), V0ConversationJson.Default.V0ConversationInfoResultSet);
    }

    private static IResult? ReadListQuery(IQueryCollection q, bool requireRepository, out V0ListQuery? query)
    {
        query = null;
        var limit = 20;
        if (q["limit"].FirstOrDefault() is { } limitText && !int.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
            return ApiErrors.Invalid("query.limit", "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
        if (limit < 1)
            return ApiErrors.Invalid("query.limit", "Input should be greater than 0", "greater_than");
        limit = Math.Min(limit, 100);
        var trigger = q["conversation_trigger"].FirstOrDefault();
        if (trigger is not null && !Triggers.Contains(trigger))
            return ApiErrors.Invalid("query.conversation_trigger", "Input should be one of " + string.Join(", ", Triggers.Select(t => $"'{t}'")), "enum");
        var repository = q["selected_repository"].FirstOrDefault();
        if (requireRepository && string.IsNullOrEmpty(repository))
            return ApiErrors.Invalid("query.selected_repository", "Field required", "missing");
        var includeSubs = q["include_sub_conversations"].FirstOrDefault();
        bool subs = false;
        if (includeSubs is not null && !TryBool(includeSubs, out subs))
            return ApiErrors.Invalid("query.include_sub_conversations", "Input should be a valid boolean, unable to interpret input", "bool_parsing");
        query = new V0ListQuery(limit, q["page_id"].FirstOrDefault(), repository, trigger, subs);
        return null;
    }

    private static bool TryBool(string text, out bool value)
    {
        value = text.ToLowerInvariant() is "true" or "1" or "yes" or "on";
        return value || text.ToLowerInvariant() is "false" or "0" or "no" or "off";
    }

    /// <summary>The §1.3 id checks: a 400 for a bad id; <paramref name="id"/> null for a good id that names no UUID.</summary>
    private static IResult? CheckId(string conversationId, out Guid? id)
    {
        id = null;
        if (V0ConversationIds.Problem(conversationId) is { } problem)
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, problem);
        if (V0ConversationIds.TryParse(conversationId, out var parsed))
            id = parsed;
        return null;
    }

    private static async Task<IResult> GetAsync(string conversation_id, V0ConversationService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (CheckId(conversation_id, out var id) is { } error)
            return error;
        var info = id is { } guid ? await service.GetAsync(user.Id, guid, cancellationToken) : null;
        return info is null ? TypedResults.Text("null", "application/json") : Json(info, V0ConversationJson.Default.V0ConversationInfo);
    }

    /// <summary>A JSON object body (FastAPI's 422 for anything else), or the error to answer.</summary>
    private static async Task<(JsonElement Body, IResult? Error)> ReadObjectAsync(HttpRequest http, AppServerOptions options, CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(http, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return (body, error);
        return body.ValueKind == JsonValueKind.Object ? (body, null)
            : (body, ApiErrors.Invalid("body", "Input should be a valid dictionary or object to extract fields from", "model_attributes_type"));
    }

    private static async Task<IResult> RenameAsync(string conversation_id, HttpRequest http, V0ConversationService service, CurrentUser user,
        AppServerOptions options, CancellationToken cancellationToken)
    {
        if (CheckId(conversation_id, out var id) is { } error)
            return error;
        var (body, bodyError) = await ReadObjectAsync(http, options, cancellationToken);
        if (bodyError is not null)
            return bodyError;
        var problems = new List<FieldProblem>();
        string? title = null;
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name != "title")
                problems.Add(new FieldProblem("extra_forbidden", ["body", property.Name], "Extra inputs are not permitted"));
            else if (property.Value.ValueKind != JsonValueKind.String)
                problems.Add(new FieldProblem("string_type", ["body", "title"], "Input should be a valid string"));
            else
            {
                title = property.Value.GetString()!;
                if (title.Length < 1)
                    problems.Add(new FieldProblem("string_too_short", ["body", "title"], "String should have at least 1 character"));
                else if (title.Length > MaxTitleLength)
                    problems.Add(new FieldProblem("string_too_long", ["body", "title"], $"String should have at most {MaxTitleLength} characters"));
            }
        }
        if (!body.TryGetProperty("title", out _))
            problems.Add(new FieldProblem("missing", ["body", "title"], "Field required"));
        if (problems.Count > 0)
            return ApiErrors.Invalid(problems);
        if (id is not { } guid || !await service.RenameAsync(user.Id, guid, title!, cancellationToken))
            return Json(new V0MessageError("Conversation not found", "CONVERSATION$NOT_FOUND"), V0ConversationJson.Default.V0MessageError, 404);
        return Json(true, V0ConversationJson.Default.Boolean);
    }

    private static async Task<IResult> DeleteAsync(string conversation_id, V0ConversationService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (CheckId(conversation_id, out var id) is { } error)
            return error;
        var deleted = id is { } guid && await service.DeleteAsync(user.Id, guid, cancellationToken);
        return Json(deleted, V0ConversationJson.Default.Boolean);
    }

    private static async Task<IResult> StartAsync(string conversation_id, HttpRequest http, V0ConversationService service,
        ISettingsRepository settingsStore, CurrentUser user, AppServerOptions options, CancellationToken cancellationToken)
    {
        if (CheckId(conversation_id, out var id) is { } error)
            return error;
        // ProvidersSetModel: a JSON object is required; providers_set is a list of providers or null.
        var (body, bodyError) = await ReadObjectAsync(http, options, cancellationToken);
        if (bodyError is not null)
            return bodyError;
        if (body.TryGetProperty("providers_set", out var providers) && providers.ValueKind is not (JsonValueKind.Null or JsonValueKind.Array))
            return ApiErrors.Invalid("body.providers_set", "Input should be a valid list", "list_type");
        if (providers.ValueKind == JsonValueKind.Array && providers.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String
                                                                                             || !InitSessionRequest.Providers.Contains(p.GetString())))
            return ApiErrors.Invalid("body.providers_set", "Input should be 'github', 'gitlab', 'bitbucket' or 'enterprise_sso'", "enum");

        if (id is not { } guid || await service.GetAsync(user.Id, guid, cancellationToken) is null)
            return Json(new V0ConversationError(conversation_id, null), V0ConversationJson.Default.V0ConversationError, 404);
        if (await settingsStore.GetAsync(user.Id, cancellationToken) is null)
            return Json(new V0ConversationError(conversation_id, "Failed to start conversation: Settings not found"),
                V0ConversationJson.Default.V0ConversationError, 500);
        var status = await service.StartAsync(user.Id, guid, cancellationToken);
        if (status is null)
            return Json(new V0ConversationError(conversation_id, null), V0ConversationJson.Default.V0ConversationError, 404);
        return Ok(Ids.Hex(guid), null, status);
    }

    private static async Task<IResult> StopAsync(string conversation_id, V0ConversationService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (CheckId(conversation_id, out var id) is { } error)
            return error;
        var (found, before) = id is { } guid ? await service.StopAsync(user.Id, guid, cancellationToken) : (false, V0Status.Stopped);
        var hex = id is { } g ? Ids.Hex(g) : conversation_id;
        return !found || !before.IsActive
            ? Ok(hex, "Conversation was not running", "STOPPED")
            : Ok(hex, "Conversation stopped successfully", before.Status);
    }
}
