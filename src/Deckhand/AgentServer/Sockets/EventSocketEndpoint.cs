using System.Net.WebSockets;
using System.Text.Json;
using Deckhand.AgentServer.Events;
using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Events;

namespace Deckhand.AgentServer.Sockets;

/// <summary>
/// <c>/sockets/events/{conversation_id}</c>: a full-state snapshot on connect, optional replay
/// (<c>resend_mode=all|since</c>, legacy <c>resend_all</c>, Deckhand's exact <c>after_event_id</c>), then live events.
/// Frames the client sends are user messages that start a run.
/// </summary>
public static class EventSocketEndpoint
{
    public const int AuthFailed = 4001;
    public const int NotFound = 4004;
    public const int TryAgainLater = 1013;
    public static readonly TimeSpan FirstFrameAuthTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapEventSocket(this IEndpointRouteBuilder app)
    {
        app.Map("/sockets/events/{conversation_id}", HandleAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync(HttpContext context, string conversation_id, ConversationService service, SessionKeyAuth auth,
        IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiErrors.Detail(StatusCodes.Status400BadRequest, "This endpoint needs a WebSocket upgrade.").ExecuteAsync(context);
            return;
        }
        var query = context.Request.Query;
        var resume = ParseResume(query, out var resumeError);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        var session = new SocketSession(socket);

        // Legacy credentials (query, then header) are checked at once; otherwise the first frame must authenticate.
        var legacyKey = query["session_api_key"].ToString() is { Length: > 0 } q ? q : context.Request.Headers[SessionKeyAuth.HeaderName].ToString();
        if (legacyKey.Length > 0 ? !auth.IsValid(legacyKey) : auth.Enabled && !await FirstFrameAuthAsync(session, auth, cancellationToken))
        {
            await session.CloseAsync(AuthFailed, "Authentication failed");
            return;
        }
        if (resumeError is not null)
        {
            await session.CloseAsync((int)WebSocketCloseStatus.PolicyViolation, resumeError);
            return;
        }
        if (!Guid.TryParse(conversation_id, out var id) || await service.GetAsync(id, cancellationToken) is not { } runner)
        {
            await session.CloseAsync(NotFound, "Conversation not found");
            return;
        }
        using var subscription = runner.Hub.Subscribe();
        if (subscription is null)
        {
            await session.CloseAsync(TryAgainLater, "Too many connections for this conversation");
            return;
        }
        var startSeq = EventStream.StartSeq(service.Store, runner, resume);
        if (startSeq is null)
        {
            await session.CloseAsync((int)WebSocketCloseStatus.PolicyViolation, "Unknown after_event_id");
            return;
        }
        await session.SendAsync(runner.FullStateEvent(), cancellationToken);
        var receiving = ReceiveMessagesAsync(session, service, id, stopping);
        try
        {
            await foreach (var json in EventStream.ReplayJsonThenLiveAsync(service.Store, id, subscription, startSeq.Value, cancellationToken))
                await session.SendAsync(json, cancellationToken);
        }
        catch (SubscriberOverflowException)
        {
            await session.CloseAsync(TryAgainLater, "Client fell behind the event stream; reconnect with after_event_id");
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            subscription.Dispose();
            await stopping.CancelAsync();
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await session.CloseAsync((int)WebSocketCloseStatus.NormalClosure, "");
        }
    }

    private static ResumePoint ParseResume(IQueryCollection query, out string? error)
    {
        error = null;
        if (query["after_event_id"].ToString() is { Length: > 0 } afterId)
            return new ResumePoint.AfterEventId(afterId);
        var mode = query["resend_mode"].ToString();
        if (mode.Length == 0 && string.Equals(query["resend_all"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
            mode = "all";
        switch (mode)
        {
            case "":
                return new ResumePoint.LiveOnly();
            case "all":
                return new ResumePoint.AfterSeq(0);
            case "since":
                if (EventEndpoints.TryLocalTimestamp(query["after_timestamp"].ToString(), out var since))
                    return new ResumePoint.SinceTimestamp(since!);
                error = "resend_mode=since needs after_timestamp (ISO 8601)";
                return new ResumePoint.LiveOnly();
            default:
                error = "resend_mode must be 'all' or 'since'";
                return new ResumePoint.LiveOnly();
        }
    }

    /// <summary>The first frame must be <c>{"type":"auth","session_api_key":"..."}</c> within 10 seconds.</summary>
    private static async Task<bool> FirstFrameAuthAsync(SocketSession session, SessionKeyAuth auth, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FirstFrameAuthTimeout);
        try
        {
            var frame = await session.ReceiveTextAsync(timeout.Token);
            if (frame is null)
                return false;
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "auth"
                && root.TryGetProperty("session_api_key", out var key) && key.ValueKind == JsonValueKind.String
                && auth.IsValid(key.GetString());
        }
        catch (Exception ex) when (ex is OperationCanceledException or JsonException or WebSocketException or InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Each client frame is a user message (<c>{"role":"user","content":...}</c>) that is appended and runs the agent.</summary>
    private static async Task ReceiveMessagesAsync(SocketSession session, ConversationService service, Guid id, CancellationTokenSource stopping)
    {
        var cancellationToken = stopping.Token;
        try
        {
            await ReceiveLoopAsync(session, service, id, cancellationToken);
        }
        finally
        {
            // The client closed or broke the socket: stop relaying events to it.
            await stopping.CancelAsync();
        }
    }

    private static async Task ReceiveLoopAsync(SocketSession session, ConversationService service, Guid id, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            string? frame;
            try
            {
                frame = await session.ReceiveTextAsync(cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                await session.SendAsync(new ServerErrorEvent { Code = "InvalidFrame", Detail = ex.Message }, cancellationToken);
                continue;
            }
            if (frame is null)
                return;
            try
            {
                await SocketMessages.HandleAsync(frame, service, id, cancellationToken);
            }
            catch (SocketMessageException ex)
            {
                await session.SendAsync(new ServerErrorEvent { Code = ex.Code, Detail = ex.Message }, cancellationToken);
            }
        }
    }
}
