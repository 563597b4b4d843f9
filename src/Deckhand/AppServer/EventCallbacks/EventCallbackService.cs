using Deckhand.AppServer.Events;

namespace Deckhand.AppServer.EventCallbacks;

/// <summary>
/// Registers event callbacks and hands stored events to them. The start flow calls <see cref="RegisterAsync"/> for each
/// of a start request's <c>processors</c> (parse them with <see cref="EventCallbackProcessor.Parse"/>) and may call
/// <see cref="EnsureSetTitleAsync"/>; the webhooks call <see cref="OnEventsStored"/>.
/// </summary>
public sealed class EventCallbackService(SqlEventCallbackRepository repository, EventCallbackDispatcher dispatcher, TimeProvider time)
{
    /// <summary>
    /// Registers a callback for one conversation (or, with null, for every conversation), for events of
    /// <paramref name="eventKind"/> (null: every kind). Active at once.
    /// </summary>
    public async Task<EventCallback> RegisterAsync(Guid? conversationId, EventCallbackProcessor processor, string? eventKind = null,
        CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var callback = new EventCallback
        {
            Id = Guid.NewGuid(),
            ConversationId = conversationId,
            Processor = processor,
            EventKind = eventKind,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await repository.InsertAsync(callback, cancellationToken);
        return callback;
    }

    /// <summary>A SetTitle callback for the conversation (on its <c>MessageEvent</c>s), unless it already has one.</summary>
    public async Task<EventCallback> EnsureSetTitleAsync(Guid conversationId, CancellationToken cancellationToken = default)
    {
        var existing = (await repository.ListForConversationAsync(conversationId, cancellationToken))
            .FirstOrDefault(c => c.Processor is SetTitleCallbackProcessor);
        return existing ?? await RegisterAsync(conversationId, new SetTitleCallbackProcessor(), "MessageEvent", cancellationToken);
    }

    public Task<IReadOnlyList<EventCallback>> ListAsync(Guid conversationId, CancellationToken cancellationToken = default) =>
        repository.ListForConversationAsync(conversationId, cancellationToken);

    /// <summary>What the callbacks of a conversation recorded, oldest first.</summary>
    public Task<IReadOnlyList<EventCallbackResult>> ResultsAsync(Guid conversationId, CancellationToken cancellationToken = default) =>
        repository.ListResultsAsync(conversationId, cancellationToken);

    /// <summary>Runs the matching callbacks for newly stored events, in the background.</summary>
    public void OnEventsStored(Guid conversationId, IReadOnlyList<ReceivedEvent> events) => dispatcher.Enqueue(conversationId, events);
}
