using System.Text.Json;
using System.Threading.Channels;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.AppConversations.Starting;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Http;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Server;
using Microsoft.AspNetCore.Mvc;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// Starting conversations (V1 spec §1 rows 4-8, §5): <c>POST /api/v1/app-conversations</c> (answers the <c>WORKING</c>
/// task at once), <c>POST .../stream-start</c> (a JSON array of every snapshot, streamed), and the start-task reads.
/// </summary>
public static class StartTaskEndpoints
{
    /// <summary>OpenHands asserts fewer than 100 ids.</summary>
    private const int MaxIds = 99;

    /// <summary>OpenHands' <c>ConversationTrigger</c> values.</summary>
    private static readonly HashSet<string> Triggers = new(StringComparer.Ordinal)
    {
        "resolver", "gui", "suggested_task", "openhands_api", "slack", "microagent_management", "jira", "jira_dc", "linear", "bitbucket", "automation",
    };

    public static RouteGroupBuilder MapStartTasks(this RouteGroupBuilder group)
    {
        group.MapPost("", StartAsync).Accepts<AppConversationStartRequest>("application/json").Produces<AppConversationStartTask>();
        group.MapPost("/stream-start", StreamStartAsync).Accepts<AppConversationStartRequest>("application/json")
            .Produces<List<AppConversationStartTask>>();
        group.MapGet("/start-tasks/search", SearchAsync).Produces<AppConversationStartTaskPage>();
        group.MapGet("/start-tasks/count", CountAsync).Produces<long>();
        group.MapGet("/start-tasks", BatchGetAsync).Produces<List<AppConversationStartTask?>>();
        return group;
    }

    private static async Task<IResult> StartAsync(HttpRequest http, StartTaskRunner runner, AppConversationInfoRepository conversations,
        CurrentUser user, AppServerOptions options, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadRequestAsync(http, conversations, user, options, cancellationToken);
        if (error is not null)
            return error;
        var task = await runner.BeginAsync(user.Id, request!, null, cancellationToken);
        return TypedResults.Json(task, DeckhandJson.Wire.AppConversationStartTask);
    }

    private static async Task<IResult> StreamStartAsync(HttpRequest http, StartTaskRunner runner, AppConversationInfoRepository conversations,
        CurrentUser user, AppServerOptions options, CancellationToken cancellationToken)
    {
        var (request, error) = await ReadRequestAsync(http, conversations, user, options, cancellationToken);
        if (error is not null)
            return error;
        var snapshots = Channel.CreateUnbounded<AppConversationStartTask>(new UnboundedChannelOptions { SingleReader = true });
        // The flow runs detached: a client that hangs up stops reading, not the start.
        var first = await runner.BeginAsync(user.Id, request!, snapshots.Writer, CancellationToken.None);
        return new StartTaskStream(first, snapshots.Reader);
    }

    private static async Task<IResult> SearchAsync(StartTaskRepository tasks, CurrentUser user, string? conversation_id__eq, string? created_at__gte,
        string? sort_order, string? page_id, string? limit, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(page_id, limit, out var offset, out var count, out var pageError))
            return pageError!;
        if (Filter(conversation_id__eq, created_at__gte, out var filter) is { } error)
            return error;
        StartTaskSortOrder order;
        switch (sort_order ?? "CREATED_AT_DESC")
        {
            case "CREATED_AT": order = StartTaskSortOrder.CreatedAt; break;
            case "CREATED_AT_DESC": order = StartTaskSortOrder.CreatedAtDesc; break;
            case "UPDATED_AT": order = StartTaskSortOrder.UpdatedAt; break;
            case "UPDATED_AT_DESC": order = StartTaskSortOrder.UpdatedAtDesc; break;
            default:
                return ApiErrors.Invalid("query.sort_order", "sort_order must be CREATED_AT, CREATED_AT_DESC, UPDATED_AT or UPDATED_AT_DESC.", "enum");
        }
        var rows = await tasks.SearchAsync(user.Id, filter!, order, offset, count + 1, cancellationToken);
        var page = new AppConversationStartTaskPage([.. rows.Take(count)], Paging.Next(offset, count, rows.Count > count));
        return TypedResults.Json(page, DeckhandJson.Wire.AppConversationStartTaskPage);
    }

    private static async Task<IResult> CountAsync(StartTaskRepository tasks, CurrentUser user, string? conversation_id__eq, string? created_at__gte,
        CancellationToken cancellationToken)
    {
        if (Filter(conversation_id__eq, created_at__gte, out var filter) is { } error)
            return error;
        return TypedResults.Json(await tasks.CountAsync(user.Id, filter!, cancellationToken), DeckhandJson.Wire.Int64);
    }

    private static async Task<IResult> BatchGetAsync(StartTaskRepository tasks, CurrentUser user, [FromQuery] string[]? ids,
        CancellationToken cancellationToken)
    {
        if (!QueryValues.TryIds(ids, "ids", MaxIds, out var parsed, out var error))
            return error!;
        var items = new List<AppConversationStartTask?>();
        foreach (var id in parsed)
            items.Add(await tasks.GetAsync(user.Id, Ids.Hex(id), cancellationToken));
        return TypedResults.Json(items, DeckhandJson.Wire.ListAppConversationStartTask);
    }

    private static IResult? Filter(string? conversationId, string? createdAtGte, out StartTaskFilter? filter)
    {
        filter = null;
        string? conversation = null;
        if (conversationId is not null)
        {
            if (!Ids.TryParse(conversationId, out var id))
                return ApiErrors.Invalid("query.conversation_id__eq", "Input should be a valid UUID.", "uuid_parsing");
            conversation = Ids.Hex(id);
        }
        if (!QueryValues.TryTime(createdAtGte, "created_at__gte", out var created, out var error))
            return error;
        filter = new StartTaskFilter(conversation, created);
        return null;
    }

    /// <summary>Reads and checks a start request; a sub-conversation inherits what it does not set from its parent (§4.1).</summary>
    private static async Task<(AppConversationStartRequest? Request, IResult? Error)> ReadRequestAsync(HttpRequest http,
        AppConversationInfoRepository conversations, CurrentUser user, AppServerOptions options, CancellationToken cancellationToken)
    {
        var (request, error) = await JsonBody.ReadAsync(http, DeckhandJson.Wire.AppConversationStartRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return (null, error);
        var problems = Validate(request!);
        if (problems.Count > 0)
            return (null, ApiErrors.Invalid(problems));
        if (request!.ParentConversationId is { } parentText)
        {
            Ids.TryParse(parentText, out var parentId);
            if (await conversations.GetAsync(user.Id, parentId, cancellationToken) is not { } parent)
                return (null, ApiErrors.NotFound($"Parent conversation not found: {parentText}"));
            request = request with
            {
                ParentConversationId = Ids.Hex(parentId),
                SandboxId = request.SandboxId ?? parent.SandboxId,
                SelectedRepository = request.SelectedRepository ?? parent.SelectedRepository,
                SelectedBranch = request.SelectedBranch ?? parent.SelectedBranch,
                GitProvider = request.GitProvider ?? parent.GitProvider,
                LlmModel = request.LlmModel ?? parent.LlmModel,
            };
        }
        return (request, null);
    }

    private static List<FieldProblem> Validate(AppConversationStartRequest request)
    {
        var problems = new List<FieldProblem>();
        void Add(string field, string message, string type = "value_error") => problems.Add(new FieldProblem(type, ["body", .. field.Split('.')], message));

        if (request.AgentType is not ("default" or "plan"))
            Add("agent_type", "agent_type must be 'default' or 'plan'.", "literal_error");
        if (request.GitProvider is { } provider && !GitTokens.Providers.Contains(provider))
            Add("git_provider", $"Unknown git provider '{provider}'; expected one of: {string.Join(", ", GitTokens.Providers)}.", "enum");
        if (request.Trigger is { } trigger && !Triggers.Contains(trigger))
            Add("trigger", $"Unknown trigger '{trigger}'.", "enum");
        if (request.ParentConversationId is { } parent && !Ids.TryParse(parent, out _))
            Add("parent_conversation_id", "Input should be a valid UUID.", "uuid_parsing");
        if (request.InitialMessage is { } message && message.Role != MessageRole.User)
            Add("initial_message.role", "The initial message must be a 'user' message.");
        if (request.SelectedBranch is { } branch && !BranchNames.IsValid(branch))
            Add("selected_branch", $"'{branch}' is not a valid branch name.");
        if (request.Processors is { } processors)
        {
            for (var i = 0; i < processors.Count; i++)
            {
                var processor = processors[i];
                var kind = processor.ValueKind == JsonValueKind.Object && processor.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String
                    ? k.GetString() : null;
                if (kind is null || !EventCallbackRegistrations.KnownKinds.Contains(kind))
                    Add($"processors.{i}.kind", $"Unknown processor kind; expected one of: {string.Join(", ", EventCallbackRegistrations.KnownKinds)}.",
                        "union_tag_invalid");
            }
        }
        return problems;
    }

    /// <summary>
    /// <c>stream-start</c>'s body (§5.8): <c>[</c>, then each snapshot as compact JSON separated by <c>,</c> and a newline,
    /// then <c>]</c> once the task is READY or ERROR. Each chunk is flushed as it is written.
    /// </summary>
    private sealed class StartTaskStream(AppConversationStartTask first, ChannelReader<AppConversationStartTask> rest) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            var cancellationToken = context.RequestAborted;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            try
            {
                await response.WriteAsync("[\n" + Json(first), cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                await foreach (var snapshot in rest.ReadAllAsync(cancellationToken))
                {
                    await response.WriteAsync(",\n" + Json(snapshot), cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
                await response.WriteAsync("\n]\n", cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client left; the start goes on and can be followed through start-tasks.
            }
        }

        private static string Json(AppConversationStartTask task) => JsonSerializer.Serialize(task, DeckhandJson.Wire.AppConversationStartTask);
    }
}
