using System.Text.Json;
using Deckhand.AppServer.Events;
using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Webhooks;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.EventCallbacks;

/// <summary>
/// Runs one callback's processor on one event and says what to record: a result, or nothing (null) when the processor
/// had nothing to do. Exceptions are the caller's to turn into ERROR results.
/// </summary>
public sealed partial class EventCallbackRunner(
    ConversationMetadataUpdates metadata, ISandboxRepository sandboxes, SqlEventCallbackRepository repository,
    EventCallbackOptions options, TimeProvider time, IEnumerable<IConversationTitleListener> titleListeners, ILogger<EventCallbackRunner> logger)
    : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each call sets its own
    };

    public async Task<EventCallbackResult?> RunAsync(EventCallback callback, Guid conversationId, ReceivedEvent e, CancellationToken cancellationToken)
    {
        switch (callback.Processor)
        {
            case LoggingCallbackProcessor:
                LogEvent(logger, conversationId, e.Kind, e.Id);
                return Result(callback, conversationId, e, EventCallbackResultStatus.Success, null);
            case SetTitleCallbackProcessor:
                return await SetTitleAsync(callback, conversationId, e, cancellationToken);
            case WebhookCallbackProcessor webhook:
                var deliveryId = Guid.NewGuid();
                var (delivered, detail) = await OutboundWebhook.PostAsync(_http, webhook, conversationId, e, deliveryId, options, time, cancellationToken);
                return Result(callback, conversationId, e, delivered ? EventCallbackResultStatus.Success : EventCallbackResultStatus.Error, detail) with { Id = deliveryId };
            default:
                return null;
        }
    }

    private async Task<EventCallbackResult?> SetTitleAsync(EventCallback callback, Guid conversationId, ReceivedEvent e, CancellationToken cancellationToken)
    {
        if (e.Kind != "MessageEvent")
            return null;
        string? title = null;
        for (var attempt = 0; title is null && attempt < options.TitlePollAttempts; attempt++)
        {
            if (attempt > 0)
                await Task.Delay(options.TitlePollDelay, time, cancellationToken);
            // The agent-server's conversation webhook may have brought it already.
            var row = await metadata.GetAsync(conversationId, cancellationToken);
            if (row is null)
                return null;
            title = !ConversationMetadataUpdates.IsPlaceholder(conversationId, row.Title)
                ? row.Title
                : await AskAgentServerAsync(row.SandboxId, conversationId, cancellationToken);
        }
        if (title is null)
            return null; // stays active: the next message tries again
        if (await metadata.SetTitleIfUnsetAsync(conversationId, title, cancellationToken))
        {
            foreach (var listener in titleListeners)
                await listener.OnTitleChangedAsync(conversationId, title, cancellationToken);
        }
        await repository.SetStatusAsync(callback.Id, EventCallbackStatus.Disabled, cancellationToken);
        return Result(callback, conversationId, e, EventCallbackResultStatus.Success, null);
    }

    /// <summary>The title from <c>GET /api/conversations/{id}</c> of the conversation's sandbox, when it runs and has one.</summary>
    private async Task<string?> AskAgentServerAsync(string? sandboxId, Guid conversationId, CancellationToken cancellationToken)
    {
        if (sandboxId is null || await sandboxes.GetAsync(sandboxId, cancellationToken) is not { Status: SandboxStatus.Running, AgentUrl: { } url } sandbox)
            return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{url.TrimEnd('/')}/api/conversations/{conversationId:D}");
            request.Headers.TryAddWithoutValidation(WebhookAuth.HeaderName, sandbox.SessionApiKey);
            using var response = await _http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
                return null;
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
            return document.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String
                && title.GetString() is { Length: > 0 } text && !ConversationMetadataUpdates.IsPlaceholder(conversationId, text)
                ? text
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    private EventCallbackResult Result(EventCallback callback, Guid conversationId, ReceivedEvent e, string status, string? detail) => new()
    {
        Id = Guid.NewGuid(),
        Status = status,
        EventCallbackId = callback.Id,
        EventId = e.Id,
        ConversationId = conversationId,
        Detail = detail,
        CreatedAt = time.GetUtcNow(),
    };

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId}: event {Kind} {EventId}")]
    private static partial void LogEvent(ILogger logger, Guid conversationId, string kind, string eventId);
}
