using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.Http;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Microsoft.AspNetCore.Mvc;

namespace Deckhand.AppServer.Events;

/// <summary>
/// Event search, count and batch get over the app server's own copy of the events (V1 spec §1 rows 17-19), so they
/// answer while a sandbox is paused or gone. Both route shapes: <c>/api/v1/events/...</c> with
/// <c>conversation_id__eq</c> (baseline) and <c>/api/v1/conversation/{conversation_id}/events/...</c> ([LATER]).
/// Events are returned as the agent-server sent them.
/// </summary>
public static class EventEndpoints
{
    private const int MaxIds = 100;

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/v1/events").WithTags("Events");
        events.MapGet("/search", SearchAsync).Produces<EventPage>();
        events.MapGet("/count", CountAsync).Produces<long>();
        events.MapGet("", BatchGetAsync).Produces<List<Contracts.Events.Event?>>();

        var perConversation = app.MapGroup("/api/v1/conversation/{conversation_id}/events").WithTags("Events");
        perConversation.MapGet("/search", SearchInConversationAsync).Produces<EventPage>();
        perConversation.MapGet("/count", CountInConversationAsync).Produces<long>();
        perConversation.MapGet("", BatchGetInConversationAsync).Produces<List<Contracts.Events.Event?>>();
        return app;
    }

    private static Task<IResult> SearchAsync(ConversationEventStore store, CurrentUser user, string? conversation_id__eq, string? kind__eq,
        string? timestamp__gte, string? timestamp__lt, string? sort_order, string? page_id, string? limit, CancellationToken cancellationToken) =>
        SearchCoreAsync(store, user, "query.conversation_id__eq", conversation_id__eq, kind__eq, timestamp__gte, timestamp__lt, sort_order, page_id, limit,
            cancellationToken);

    private static Task<IResult> SearchInConversationAsync(ConversationEventStore store, CurrentUser user, string conversation_id, string? kind__eq,
        string? timestamp__gte, string? timestamp__lt, string? sort_order, string? page_id, string? limit, CancellationToken cancellationToken) =>
        SearchCoreAsync(store, user, "path.conversation_id", conversation_id, kind__eq, timestamp__gte, timestamp__lt, sort_order, page_id, limit,
            cancellationToken);

    private static Task<IResult> CountAsync(ConversationEventStore store, CurrentUser user, string? conversation_id__eq, string? kind__eq,
        string? timestamp__gte, string? timestamp__lt, string? sort_order, CancellationToken cancellationToken) =>
        CountCoreAsync(store, user, "query.conversation_id__eq", conversation_id__eq, kind__eq, timestamp__gte, timestamp__lt, sort_order, cancellationToken);

    private static Task<IResult> CountInConversationAsync(ConversationEventStore store, CurrentUser user, string conversation_id, string? kind__eq,
        string? timestamp__gte, string? timestamp__lt, string? sort_order, CancellationToken cancellationToken) =>
        CountCoreAsync(store, user, "path.conversation_id", conversation_id, kind__eq, timestamp__gte, timestamp__lt, sort_order, cancellationToken);

    private static async Task<IResult> SearchCoreAsync(ConversationEventStore store, CurrentUser user, string conversationLocation, string? conversationId,
        string? kind, string? gte, string? lt, string? sortOrder, string? pageId, string? limit, CancellationToken cancellationToken)
    {
        if (!TryFilter(conversationLocation, conversationId, kind, gte, lt, out var filter, out var error)
            || !TrySort(sortOrder, out var descending, out error))
            return error!;
        if (!Paging.TryRead(pageId, limit, out var offset, out var count, out var pagingError))
            return pagingError!;
        var (items, more) = await store.SearchAsync(filter!, descending, user.Id, offset, count, cancellationToken);
        return RawJson(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var json in items)
                writer.WriteRawValue(json, skipInputValidation: true);
            writer.WriteEndArray();
            if (Paging.Next(offset, count, more) is { } next)
                writer.WriteString("next_page_id", next);
            else
                writer.WriteNull("next_page_id");
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> CountCoreAsync(ConversationEventStore store, CurrentUser user, string conversationLocation, string? conversationId,
        string? kind, string? gte, string? lt, string? sortOrder, CancellationToken cancellationToken)
    {
        if (!TryFilter(conversationLocation, conversationId, kind, gte, lt, out var filter, out var error) || !TrySort(sortOrder, out _, out error))
            return error!;
        return TypedResults.Json(await store.CountAsync(filter!, user.Id, cancellationToken), DeckhandJson.Wire.Int64);
    }

    private static Task<IResult> BatchGetAsync(ConversationEventStore store, CurrentUser user, [FromQuery] string[]? id, CancellationToken cancellationToken) =>
        BatchGetCoreAsync(store, user, null, id, cancellationToken);

    private static async Task<IResult> BatchGetInConversationAsync(ConversationEventStore store, CurrentUser user, string conversation_id,
        [FromQuery] string[]? id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var conversation))
            return ApiErrors.BadUuid("conversation_id");
        return await BatchGetCoreAsync(store, user, conversation, id, cancellationToken);
    }

    private static async Task<IResult> BatchGetCoreAsync(ConversationEventStore store, CurrentUser user, Guid? conversationId, string[]? ids,
        CancellationToken cancellationToken)
    {
        if (Paging.CheckIds(ids, "id", MaxIds) is { } error)
            return error;
        var items = await store.GetManyAsync(ids!, conversationId, user.Id, cancellationToken);
        return RawJson(writer =>
        {
            writer.WriteStartArray();
            foreach (var json in items)
            {
                if (json is null)
                    writer.WriteNullValue();
                else
                    writer.WriteRawValue(json, skipInputValidation: true);
            }
            writer.WriteEndArray();
        });
    }

    private static bool TryFilter(string conversationLocation, string? conversationId, string? kind, string? gte, string? lt,
        out EventFilter? filter, out IResult? error)
    {
        filter = null;
        error = null;
        Guid? conversation = null;
        if (conversationId is not null)
        {
            if (!Guid.TryParse(conversationId, out var parsed))
            {
                error = ApiErrors.Invalid(conversationLocation, "Input should be a valid UUID.", "uuid_parsing");
                return false;
            }
            conversation = parsed;
        }
        string? from = null, to = null;
        if (gte is not null && (from = EventTime(gte)) is null)
        {
            error = ApiErrors.Invalid("query.timestamp__gte", "Input should be a valid datetime.", "datetime_from_date_parsing");
            return false;
        }
        if (lt is not null && (to = EventTime(lt)) is null)
        {
            error = ApiErrors.Invalid("query.timestamp__lt", "Input should be a valid datetime.", "datetime_from_date_parsing");
            return false;
        }
        filter = new EventFilter { ConversationId = conversation, Kind = string.IsNullOrEmpty(kind) ? null : kind, TimestampGte = from, TimestampLt = to };
        return true;
    }

    private static bool TrySort(string? sortOrder, out bool descending, out IResult? error)
    {
        error = null;
        descending = sortOrder == "TIMESTAMP_DESC";
        if (sortOrder is null or "TIMESTAMP" or "TIMESTAMP_DESC")
            return true;
        error = ApiErrors.Invalid("query.sort_order", "sort_order must be TIMESTAMP or TIMESTAMP_DESC.", "enum");
        return false;
    }

    /// <summary>
    /// A filter time as event timestamps are written (naive, the agent-server's local time, microseconds): one with an
    /// offset is converted to local time, a naive one is taken as local already. Null when it is not a time.
    /// </summary>
    internal static string? EventTime(string value)
    {
        if (!DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
            return null;
        if (time.Kind == DateTimeKind.Utc)
            time = time.ToLocalTime();
        return Contracts.Events.Event.FormatTimestamp(time);
    }

    private static IResult RawJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return TypedResults.Bytes(buffer.WrittenSpan.ToArray(), "application/json");
    }
}
