using System.Text.Json;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.EventCallbacks;
using Deckhand.AppServer.Events;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;
using Deckhand.Contracts.Conversations;

namespace Deckhand.AppServer.Webhooks;

/// <summary>
/// <c>/api/v1/webhooks</c>: what agent-servers post to the app server (V1 spec §1 rows 21-22, §7.3), under both URL
/// shapes: <c>/{sandbox_id}/events/{conversation_id}</c> and <c>/{sandbox_id}/conversations</c> (baseline), and
/// <c>/events/{conversation_id}</c> and <c>/conversations</c> ([LATER], the sandbox found by its key). Authenticated by the
/// sandbox's session key, not the app server's API key.
/// </summary>
public static partial class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks");
        group.MapPost("/events/{conversation_id}", (HttpRequest request, string conversation_id, WebhookServices services, CancellationToken cancellationToken) =>
            EventsAsync(request, null, conversation_id, services, cancellationToken)).Produces<SuccessResponse>();
        group.MapPost("/conversations", (HttpRequest request, WebhookServices services, CancellationToken cancellationToken) =>
            ConversationAsync(request, null, services, cancellationToken)).Produces<SuccessResponse>();
        group.MapPost("/{sandbox_id}/events/{conversation_id}", (HttpRequest request, string sandbox_id, string conversation_id, WebhookServices services,
            CancellationToken cancellationToken) => EventsAsync(request, sandbox_id, conversation_id, services, cancellationToken)).Produces<SuccessResponse>();
        group.MapPost("/{sandbox_id}/conversations", (HttpRequest request, string sandbox_id, WebhookServices services, CancellationToken cancellationToken) =>
            ConversationAsync(request, sandbox_id, services, cancellationToken)).Produces<SuccessResponse>();
        return app;
    }

    /// <summary>
    /// A batch of events, through <see cref="EventIngest"/>: stored once each (retries are harmless), published live, usage totals refreshed, callbacks scheduled. Always
    /// <c>{"success": true}</c> once authenticated and parsed: a storage failure is logged, not answered (OpenHands).
    /// </summary>
    private static async Task<IResult> EventsAsync(HttpRequest request, string? sandboxId, string conversationId, WebhookServices services,
        CancellationToken cancellationToken)
    {
        var (sandbox, problem) = await services.Auth.AuthenticateAsync(request, sandboxId, cancellationToken);
        if (sandbox is null)
            return ApiErrors.Detail(StatusCodes.Status401Unauthorized, problem!);
        if (!Guid.TryParse(conversationId, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var (body, error) = await ReadJsonAsync(request, cancellationToken);
        if (error is not null)
            return error;
        using var document = body!;
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            return ApiErrors.Invalid("body", "Input should be a valid list of events.", "list_type");
        var events = new List<ReceivedEvent>();
        var index = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            if (ReceivedEvent.From(element, out var eventProblem) is not { } received)
                return ApiErrors.Invalid([new FieldProblem("value_error", ["body", index.ToString(System.Globalization.CultureInfo.InvariantCulture)], eventProblem!)]);
            events.Add(received);
            index++;
        }
        try
        {
            if (await services.Metadata.EnsureAsync(sandbox, id, cancellationToken) == ConversationMetadataUpdates.Outcome.Forbidden)
                return ApiErrors.Detail(StatusCodes.Status401Unauthorized, "Unauthorized");
            await services.Ingest.IngestAsync(id, events, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(services.Logger, id, sandbox.Id, ex);
        }
        return Success();
    }

    /// <summary>
    /// A conversation's info (on start, pause, update, delete): its <c>conversation_metadata</c> row created or refreshed,
    /// keeping what the app server already knew; a SetTitle callback while it has no real title.
    /// </summary>
    private static async Task<IResult> ConversationAsync(HttpRequest request, string? sandboxId, WebhookServices services, CancellationToken cancellationToken)
    {
        var (sandbox, problem) = await services.Auth.AuthenticateAsync(request, sandboxId, cancellationToken);
        if (sandbox is null)
            return ApiErrors.Detail(StatusCodes.Status401Unauthorized, problem!);
        var (body, error) = await ReadJsonAsync(request, cancellationToken);
        if (error is not null)
            return error;
        using var document = body!;
        var info = document.RootElement;
        if (info.ValueKind != JsonValueKind.Object)
            return ApiErrors.Invalid("body", "Input should be a valid ConversationInfo object.", "model_type");
        if (!info.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String || !Guid.TryParse(idElement.GetString(), out var id))
            return ApiErrors.Invalid("body.id", "Input should be a valid UUID.", "uuid_parsing");
        // Deleting: nothing to store (OpenHands [LATER] returns at once too); the app server deletes its own rows itself.
        if (String(info, "execution_status") == "deleting")
            return Success();
        var model = info.TryGetProperty("agent", out var agent) && agent.ValueKind == JsonValueKind.Object
            && agent.TryGetProperty("llm", out var llm) && llm.ValueKind == JsonValueKind.Object ? String(llm, "model") : null;
        var usage = info.TryGetProperty("stats", out var stats) ? UsageTotals.From(stats) : null;
        var tags = info.TryGetProperty("tags", out var tagsElement) && tagsElement.ValueKind == JsonValueKind.Object ? tagsElement.GetRawText() : null;
        var before = await services.Metadata.GetAsync(id, cancellationToken);
        var outcome = await services.Metadata.ApplyInfoAsync(sandbox, id, String(info, "title"), model, usage, tags, cancellationToken);
        if (outcome == ConversationMetadataUpdates.Outcome.Forbidden)
            return ApiErrors.Detail(StatusCodes.Status401Unauthorized, "Unauthorized");
        if (await services.Metadata.GetAsync(id, cancellationToken) is { } row)
        {
            if (ConversationMetadataUpdates.IsPlaceholder(id, row.Title))
                await services.Callbacks.EnsureSetTitleAsync(id, cancellationToken);
            else if (before is not null && before.Title != row.Title)
            {
                foreach (var listener in services.TitleListeners)
                    await listener.OnTitleChangedAsync(id, row.Title!, cancellationToken);
            }
        }
        return Success();
    }

    private static async Task<(JsonDocument? Document, IResult? Error)> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return (await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken), null);
        }
        catch (JsonException)
        {
            return (null, ApiErrors.Invalid("body", "The body is not valid JSON.", "json_invalid"));
        }
    }

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IResult Success() => TypedResults.Json(SuccessResponse.True, DeckhandJson.Wire.SuccessResponse);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store events of conversation {ConversationId} from sandbox {SandboxId}.")]
    private static partial void LogStoreFailed(ILogger logger, Guid conversationId, string sandboxId, Exception exception);
}

/// <summary>What the webhook handlers use, as one parameter.</summary>
public sealed class WebhookServices(WebhookAuth auth, EventIngest ingest, ConversationMetadataUpdates metadata,
    EventCallbackService callbacks, IEnumerable<IConversationTitleListener> titleListeners, ILogger<WebhookServices> logger)
{
    /// <summary>Told when a conversation webhook gave a conversation its title.</summary>
    public IReadOnlyList<IConversationTitleListener> TitleListeners { get; } = [.. titleListeners];

    public WebhookAuth Auth => auth;
    public EventIngest Ingest => ingest;
    public ConversationMetadataUpdates Metadata => metadata;
    public EventCallbackService Callbacks => callbacks;
    public ILogger Logger => logger;
}
