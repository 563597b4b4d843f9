using System.Text.Json;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.AppConversations.Messages;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Http;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Microsoft.AspNetCore.Mvc;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// <c>/api/v1/app-conversations</c> (V1 spec §1 rows 1-8, §2): the catalogue with live status, starting conversations
/// (<see cref="StartTaskEndpoints"/>), edits, delete, and messages; plus <c>/api/v1/conversations/{id}/pending-messages</c>.
/// Literal paths (<c>/search</c>, <c>/count</c>, <c>/start-tasks</c>, <c>/stream-start</c>) win over <c>/{conversation_id}</c>.
/// </summary>
public static class AppConversationEndpoints
{
    /// <summary>OpenHands: "Too many ids requested. Maximum is 99."</summary>
    private const int MaxIds = 99;

    public static IEndpointRouteBuilder MapAppConversations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/app-conversations").WithTags("App conversations");
        group.MapGet("/search", SearchAsync).Produces<AppConversationPage>();
        group.MapGet("/count", CountAsync).Produces<long>();
        group.MapGet("", BatchGetAsync).Produces<List<AppConversation?>>();
        group.MapStartTasks();
        group.MapGet("/{conversation_id}", GetAsync).Produces<AppConversation>();
        group.MapPatch("/{conversation_id}", UpdateAsync).Accepts<JsonElement>("application/json").Produces<AppConversation>();
        group.MapDelete("/{conversation_id}", DeleteAsync).Produces<SuccessResponse>();
        group.MapPost("/{conversation_id}/send-message", SendMessageAsync).Accepts<AppSendMessageRequest>("application/json")
            .Produces<AppSendMessageResponse>();

        app.MapAppConversationWorkspace();
        app.MapPost("/api/v1/conversations/{conversation_id}/pending-messages", QueueMessageAsync).WithTags("App conversations")
            .Accepts<AppSendMessageRequest>("application/json").Produces<PendingMessageResponse>(StatusCodes.Status201Created);
        return app;
    }

    private static async Task<IResult> SearchAsync(AppConversationService service, CurrentUser user, HttpRequest request, string? page_id,
        string? limit, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(page_id, limit, out var offset, out var count, out var pageError))
            return pageError!;
        if (Filter(request.Query, out var filter) is { } error)
            return error;
        return TypedResults.Json(await service.SearchAsync(user.Id, filter!, offset, count, cancellationToken), DeckhandJson.Wire.AppConversationPage);
    }

    private static async Task<IResult> CountAsync(AppConversationService service, CurrentUser user, HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (Filter(request.Query, out var filter) is { } error)
            return error;
        return TypedResults.Json(await service.CountAsync(user.Id, filter!, cancellationToken), DeckhandJson.Wire.Int64);
    }

    private static async Task<IResult> BatchGetAsync(AppConversationService service, CurrentUser user, [FromQuery] string[]? ids,
        CancellationToken cancellationToken)
    {
        if (!QueryValues.TryIds(ids, "ids", MaxIds, out var parsed, out var error))
            return error!;
        var items = await service.BatchGetAsync(user.Id, parsed, cancellationToken);
        return TypedResults.Json(items.ToList(), DeckhandJson.Wire.ListAppConversation);
    }

    private static async Task<IResult> GetAsync(AppConversationService service, CurrentUser user, string conversation_id,
        CancellationToken cancellationToken)
    {
        if (!Ids.TryParse(conversation_id, out var id))
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, "Invalid conversation ID format");
        return await service.GetAsync(user.Id, id, cancellationToken) is { } conversation
            ? TypedResults.Json(conversation, DeckhandJson.Wire.AppConversation)
            : ApiErrors.NotFound("Conversation not found");
    }

    private static async Task<IResult> UpdateAsync(AppConversationService service, CurrentUser user, string conversation_id, HttpRequest request,
        AppServerOptions options, CancellationToken cancellationToken)
    {
        if (!Ids.TryParse(conversation_id, out var id))
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, "Invalid conversation ID format");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (body.ValueKind != JsonValueKind.Object)
            return ApiErrors.Invalid("body", "The body must be a JSON object.", "model_type");
        var (conversation, problems) = await service.UpdateAsync(user.Id, id, body, cancellationToken);
        if (problems.Count > 0)
            return ApiErrors.Invalid(problems);
        return conversation is null ? ApiErrors.NotFound("unknown_app_conversation") : TypedResults.Json(conversation, DeckhandJson.Wire.AppConversation);
    }

    private static async Task<IResult> DeleteAsync(AppConversationService service, CurrentUser user, string conversation_id,
        CancellationToken cancellationToken)
    {
        if (!Ids.TryParse(conversation_id, out var id))
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, "Invalid conversation ID format");
        return await service.DeleteAsync(user.Id, id, cancellationToken)
            ? TypedResults.Json(SuccessResponse.True, DeckhandJson.Wire.SuccessResponse)
            : ApiErrors.NotFound("Conversation not found");
    }

    private static async Task<IResult> SendMessageAsync(MessageSender sender, CurrentUser user, string conversation_id, HttpRequest request,
        AppServerOptions options, CancellationToken cancellationToken)
    {
        var (body, error) = await ReadMessageAsync(request, options, cancellationToken);
        if (error is not null)
            return error;
        var result = await sender.SendAsync(user.Id, conversation_id, body!.Content, body.Run, cancellationToken);
        return result.Response is { } response
            ? TypedResults.Json(response, DeckhandJson.Wire.AppSendMessageResponse, statusCode: result.StatusCode)
            : ApiErrors.Detail(result.StatusCode, result.Detail ?? "Error");
    }

    private static async Task<IResult> QueueMessageAsync(MessageSender sender, CurrentUser user, string conversation_id, HttpRequest request,
        AppServerOptions options, CancellationToken cancellationToken)
    {
        var (body, error) = await ReadMessageAsync(request, options, cancellationToken);
        if (error is not null)
            return error;
        var result = await sender.EnqueueAsync(user.Id, conversation_id, body!.Content, cancellationToken);
        return result.Queued is { } queued
            ? TypedResults.Json(queued, DeckhandJson.Wire.PendingMessageResponse, statusCode: result.StatusCode)
            : ApiErrors.Detail(result.StatusCode, result.Detail ?? "Error");
    }

    private static async Task<(AppSendMessageRequest? Body, IResult? Error)> ReadMessageAsync(HttpRequest request, AppServerOptions options,
        CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.AppSendMessageRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return (null, error);
        if (body!.Role != "user")
            return (null, ApiErrors.Invalid("body.role", "Only 'user' messages can be sent.", "literal_error"));
        if (body.Content.Count == 0)
            return (null, ApiErrors.Invalid("body.content", "content must hold at least one part.", "too_short"));
        return (body, null);
    }

    private static IResult? Filter(IQueryCollection query, out AppConversationFilter? filter)
    {
        filter = null;
        string? Value(string name) => query.TryGetValue(name, out var v) ? v.ToString() : null;
        if (!QueryValues.TryTime(Value("created_at__gte"), "created_at__gte", out var createdGte, out var error)
            || !QueryValues.TryTime(Value("created_at__lt"), "created_at__lt", out var createdLt, out error)
            || !QueryValues.TryTime(Value("updated_at__gte"), "updated_at__gte", out var updatedGte, out error)
            || !QueryValues.TryTime(Value("updated_at__lt"), "updated_at__lt", out var updatedLt, out error)
            || !QueryValues.TryBool(Value("include_sub_conversations"), "include_sub_conversations", false, out var includeSubs, out error))
            return error;
        filter = new AppConversationFilter
        {
            TitleContains = Value("title__contains"),
            CreatedAtGte = createdGte,
            CreatedAtLt = createdLt,
            UpdatedAtGte = updatedGte,
            UpdatedAtLt = updatedLt,
            SandboxId = Value("sandbox_id__eq"),
            IncludeSubConversations = includeSubs,
        };
        return null;
    }
}
