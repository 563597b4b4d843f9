using System.Globalization;
using System.Text.Json;
using Deckhand.AgentServer.Conversations;
using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Deckhand.AgentServer.Events;

/// <summary><c>/api/conversations/{id}/events</c>: search, count, get, batch get, send message.</summary>
public static class EventEndpoints
{
    private const string KindModulePrefix = "openhands.sdk.";

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/conversations/{conversation_id}/events").WithTags("Events");
        group.MapGet("/search", SearchAsync);
        group.MapGet("/count", CountAsync);
        group.MapGet("/{event_id}", GetAsync);
        group.MapGet("", BatchGetAsync);
        group.MapPost("", SendAsync).Accepts<SendMessageRequest>("application/json");
        return app;
    }

    private static async Task<IResult> SearchAsync(string conversation_id, ConversationService service, HttpRequest request,
        string? page_id = null, int limit = 100, string? sort_order = null, CancellationToken cancellationToken = default)
    {
        var (id, filter, error) = await ResolveAsync(conversation_id, service, request, cancellationToken);
        if (error is not null)
            return error;
        if (limit is < 1 or > 100)
            return ApiErrors.Invalid("query.limit", "limit must be between 1 and 100.", "less_than_equal");
        if (sort_order is not (null or "TIMESTAMP" or "TIMESTAMP_DESC"))
            return ApiErrors.Invalid("query.sort_order", "sort_order must be TIMESTAMP or TIMESTAMP_DESC.", "enum");
        var result = service.Store.SearchEvents(id, new EventQuery
        {
            Filter = filter!,
            PageId = page_id,
            Limit = limit,
            Descending = sort_order == "TIMESTAMP_DESC",
        });
        // Items are written without null fields, as OpenHands does for search results.
        var page = new EventPage([.. result.Items.Select(s => s.Event)], result.NextPageId);
        return TypedResults.Json(page, DeckhandJson.Compact.EventPage);
    }

    private static async Task<IResult> CountAsync(string conversation_id, ConversationService service, HttpRequest request,
        CancellationToken cancellationToken)
    {
        var (id, filter, error) = await ResolveAsync(conversation_id, service, request, cancellationToken);
        return error ?? TypedResults.Json(service.Store.CountEvents(id, filter!), DeckhandJson.Wire.Int64);
    }

    private static async Task<IResult> GetAsync(string conversation_id, string event_id, ConversationService service,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        if (await service.GetAsync(id, cancellationToken) is null)
            return ApiErrors.ConversationNotFound(id);
        var stored = service.Store.GetEvent(id, event_id);
        return stored is null
            ? ApiErrors.NotFound($"Event not found: {ConversationEndpoints.Truncate(event_id)}")
            : TypedResults.Json(stored.Event, DeckhandJson.Wire.Event);
    }

    /// <summary>
    /// Batch get. OpenHands reads the ids from a JSON array body on this GET (quirk); Deckhand also takes repeated
    /// <c>event_ids</c> query parameters, which every HTTP client can send.
    /// </summary>
    private static async Task<IResult> BatchGetAsync(string conversation_id, ConversationService service, HttpRequest request,
        AgentServerOptions options, [FromQuery] string[]? event_ids, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        if (await service.GetAsync(id, cancellationToken) is null)
            return ApiErrors.ConversationNotFound(id);
        var ids = new List<string>(event_ids ?? []);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.ListString, options.MaxJsonBodyBytes, cancellationToken);
            if (error is not null)
                return error;
            ids.AddRange(body!);
        }
        if (ids.Count > 100)
            return ApiErrors.Invalid("body", "At most 100 event ids per request.");
        var events = ids.Select(e => service.Store.GetEvent(id, e)?.Event).ToList();
        return TypedResults.Json(events, DeckhandJson.Wire.ListEvent);
    }

    private static async Task<IResult> SendAsync(string conversation_id, ConversationService service, HttpRequest request,
        AgentServerOptions options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.SendMessageRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (body!.Role != MessageRole.User)
            return ApiErrors.Invalid("body.role", "Only 'user' messages can be sent to a conversation.");
        var sent = await service.WithAsync(id, async runner =>
        {
            await runner.SendMessageAsync(StartRequestValidation.ToMessage(body), body.Run, cancellationToken);
            return SuccessResponse.True;
        }, cancellationToken);
        return sent is null ? ApiErrors.ConversationNotFound(id) : TypedResults.Json(sent, DeckhandJson.Wire.SuccessResponse);
    }

    /// <summary>Parses the conversation id and the shared filters (kind, source, body, timestamps).</summary>
    private static async Task<(Guid Id, EventFilter? Filter, IResult? Error)> ResolveAsync(string conversationId, ConversationService service,
        HttpRequest request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversationId, out var id))
            return (id, null, ApiErrors.BadUuid("conversation_id"));
        if (await service.GetAsync(id, cancellationToken) is null)
            return (id, null, ApiErrors.ConversationNotFound(id));
        var query = request.Query;
        var source = query["source"].ToString() is { Length: > 0 } s ? s : null;
        if (source is not (null or "agent" or "user" or "environment" or "hook"))
            return (id, null, ApiErrors.Invalid("query.source", "source must be one of agent, user, environment, hook.", "enum"));
        string? gte = null, lt = null;
        if (query["timestamp__gte"].ToString() is { Length: > 0 } rawGte && !TryLocalTimestamp(rawGte, out gte))
            return (id, null, ApiErrors.Invalid("query.timestamp__gte", "timestamp__gte must be an ISO 8601 date-time.", "datetime_parsing"));
        if (query["timestamp__lt"].ToString() is { Length: > 0 } rawLt && !TryLocalTimestamp(rawLt, out lt))
            return (id, null, ApiErrors.Invalid("query.timestamp__lt", "timestamp__lt must be an ISO 8601 date-time.", "datetime_parsing"));
        var filter = new EventFilter
        {
            Kind = ShortKind(query["kind"].ToString()),
            Source = source,
            Body = query["body"].ToString() is { Length: > 0 } b ? b : null,
            TimestampGte = gte,
            TimestampLt = lt,
        };
        return (id, filter, null);
    }

    /// <summary>
    /// Accepts the short kind (<c>MessageEvent</c>) and OpenHands' fully qualified class path
    /// (<c>openhands.sdk.event.llm_convertible.message.MessageEvent</c>), which is what OpenHands itself matches.
    /// </summary>
    internal static string? ShortKind(string kind)
    {
        if (kind.Length == 0)
            return null;
        return kind.StartsWith(KindModulePrefix, StringComparison.Ordinal) || kind.StartsWith("openhands.", StringComparison.Ordinal)
            ? kind[(kind.LastIndexOf('.') + 1)..]
            : kind;
    }

    /// <summary>Event timestamps are naive server-local time; a filter with an offset is converted to it first.</summary>
    internal static bool TryLocalTimestamp(string raw, out string? local)
    {
        local = null;
        if (!DateTime.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
            return false;
        // RoundtripKind: "Z" gives Utc; an explicit offset is already converted to local time; naive input is taken as local.
        var time = parsed.Kind == DateTimeKind.Utc ? parsed.ToLocalTime() : parsed;
        local = Event.FormatTimestamp(time);
        return true;
    }
}
