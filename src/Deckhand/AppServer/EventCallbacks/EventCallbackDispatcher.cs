using System.Collections.Concurrent;
using Deckhand.AppServer.Events;

namespace Deckhand.AppServer.EventCallbacks;

/// <summary>
/// Runs callbacks for stored events in the background (V1 spec §4.7): per conversation one event at a time, in arrival
/// order; for one event its matching callbacks at once. A processor that fails or takes longer than
/// <see cref="EventCallbackOptions.ProcessorTimeout"/> records an ERROR result; nothing here can reach the webhook
/// request, the agent-server or its run.
/// </summary>
public sealed partial class EventCallbackDispatcher(
    SqlEventCallbackRepository repository, EventCallbackRunner runner, EventCallbackOptions options, TimeProvider time,
    ILogger<EventCallbackDispatcher> logger) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Queue<ReceivedEvent>> _queues = [];
    private readonly ConcurrentDictionary<Guid, Task> _workers = new();
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Queues events for their callbacks; returns at once.</summary>
    public void Enqueue(Guid conversationId, IReadOnlyList<ReceivedEvent> events)
    {
        if (events.Count == 0 || _stop.IsCancellationRequested)
            return;
        lock (_lock)
        {
            var start = !_queues.TryGetValue(conversationId, out var queue);
            if (start)
                _queues[conversationId] = queue = new Queue<ReceivedEvent>();
            foreach (var e in events)
                queue!.Enqueue(e);
            var skipped = 0;
            while (queue!.Count > options.MaxQueuedEventsPerConversation)
            {
                queue.Dequeue();
                skipped++;
            }
            if (skipped > 0)
                LogSkipped(logger, conversationId, skipped);
            if (start)
                _workers[conversationId] = Task.Run(() => WorkAsync(conversationId));
        }
    }

    /// <summary>True when no event is waiting or being processed (tests wait on it).</summary>
    public bool Idle
    {
        get
        {
            lock (_lock)
                return _queues.Count == 0;
        }
    }

    private async Task WorkAsync(Guid conversationId)
    {
        while (!_stop.IsCancellationRequested)
        {
            ReceivedEvent next;
            lock (_lock)
            {
                if (!_queues[conversationId].TryPeek(out next!))
                {
                    _queues.Remove(conversationId);
                    _workers.TryRemove(conversationId, out _);
                    return;
                }
            }
            await ProcessAsync(conversationId, next);
            lock (_lock)
            {
                if (_queues.TryGetValue(conversationId, out var queue) && queue.TryPeek(out var head) && ReferenceEquals(head, next))
                    queue.Dequeue();
            }
        }
    }

    private async Task ProcessAsync(Guid conversationId, ReceivedEvent e)
    {
        try
        {
            var callbacks = await repository.ListActiveAsync(conversationId, e.Kind, _stop.Token);
            var results = await Task.WhenAll(callbacks.Select(c => RunOneAsync(c, conversationId, e)));
            foreach (var result in results)
            {
                if (result is not null)
                    await repository.InsertResultAsync(result, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogFailed(logger, conversationId, e.Id, ex);
        }
    }

    private async Task<EventCallbackResult?> RunOneAsync(EventCallback callback, Guid conversationId, ReceivedEvent e)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(options.ProcessorTimeout);
        string detail;
        try
        {
            return await runner.RunAsync(callback, conversationId, e, timeout.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return null;
        }
        catch (OperationCanceledException)
        {
            detail = $"{callback.Processor.Kind} took longer than {options.ProcessorTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception ex)
        {
            detail = $"{callback.Processor.Kind} failed: {ex.Message}";
        }
        return new EventCallbackResult
        {
            Id = Guid.NewGuid(),
            Status = EventCallbackResultStatus.Error,
            EventCallbackId = callback.Id,
            EventId = e.Id,
            ConversationId = conversationId,
            Detail = detail,
            CreatedAt = time.GetUtcNow(),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callbacks of conversation {ConversationId} fell behind: skipped the oldest {Count} event(s).")]
    private static partial void LogSkipped(ILogger logger, Guid conversationId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callbacks for event {EventId} of conversation {ConversationId} could not run.")]
    private static partial void LogFailed(ILogger logger, Guid conversationId, string eventId, Exception exception);
}
