using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Events;

namespace Deckhand.AgentServer.Webhooks;

/// <summary>
/// One conversation's events waiting for one webhook. <see cref="Add"/> is called on the conversation's write path and
/// only queues: a batch is posted by this queue's own background loop as soon as <c>event_buffer_size</c> events (or
/// <c>max_batch_bytes</c>) are waiting, or <c>flush_delay</c> after the last event. A batch that still fails after
/// its retries goes back to the front of the queue and is tried again after another <c>flush_delay</c> (or sooner, when
/// more events arrive). Beyond <c>max_queue_size</c> events or <c>max_queue_bytes</c> the oldest are dropped, so a
/// receiver that is down or hangs costs bounded memory and never slows the run.
/// </summary>
internal sealed partial class ConversationEventQueue
{
    private readonly Guid _conversationId;
    private readonly WebhookSender _sender;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly LinkedList<QueuedEvent> _items = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _bytes;
    private long _dropped;
    private bool _due;
    private bool _closing;

    public ConversationEventQueue(Guid conversationId, WebhookSender sender, TimeProvider time, ILogger logger)
    {
        _conversationId = conversationId;
        _sender = sender;
        _logger = logger;
        _timer = time.CreateTimer(_ => FlushSoon(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(LoopAsync);
    }

    private WebhookSpec Spec => _sender.Spec;

    private TimeSpan FlushDelay => TimeSpan.FromSeconds(Spec.FlushDelay);

    /// <summary>Events waiting (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _items.Count;
        }
    }

    /// <summary>Events dropped so far because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues committed events; returns at once.</summary>
    public void Add(IReadOnlyList<StoredEvent> events)
    {
        lock (_lock)
        {
            if (_closing)
                return;
            foreach (var stored in events)
            {
                // The compact JSON is already there (serialized once at commit): a close enough measure of the wire size.
                var bytes = stored.Utf8Json?.Length ?? 1024;
                _items.AddLast(new QueuedEvent(stored.Event, bytes));
                _bytes += bytes;
            }
            TrimLocked();
            if (_items.Count >= Spec.EventBufferSize || _bytes >= Spec.MaxBatchBytes)
                FlushNowLocked();
            else if (_items.Count > 0)
                _timer.Change(FlushDelay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Posts what is left (with the usual retries) and stops; gives up after <paramref name="grace"/>. Later
    /// <see cref="Add"/> calls are ignored.
    /// </summary>
    public async Task CloseAsync(TimeSpan grace)
    {
        lock (_lock)
        {
            if (!_closing)
            {
                _closing = true;
                _timer.Dispose();
                FlushNowLocked();
            }
        }
        if (await Task.WhenAny(_loop, Task.Delay(grace)) != _loop)
            await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _wake.Writer.TryComplete();
        _stop.Dispose();
    }

    private void FlushSoon()
    {
        lock (_lock)
        {
            if (!_closing)
                FlushNowLocked();
        }
    }

    private void FlushNowLocked()
    {
        _due = true;
        _wake.Writer.TryWrite(true);
    }

    private async Task LoopAsync()
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(_stop.Token))
            {
                _wake.Reader.TryRead(out _);
                bool closing;
                lock (_lock)
                {
                    if (!_due)
                        continue;
                    _due = false;
                    closing = _closing;
                }
                await FlushAsync(closing);
                if (closing)
                    return;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Shutting down past the grace period: what is left is dropped.
        }
        catch (Exception ex)
        {
            LogLoopFailed(_logger, _conversationId, ex);
        }
    }

    /// <summary>Posts batches until the queue is empty, or a batch fails (it goes back to the front).</summary>
    private async Task FlushAsync(bool closing)
    {
        while (true)
        {
            List<QueuedEvent> batch;
            lock (_lock)
                batch = TakeBatchLocked();
            if (batch.Count == 0)
                return;
            var delivered = await _sender.PostAsync($"/events/{_conversationId:N}", Serialize(batch), _stop.Token);
            ReportDrops();
            if (!delivered)
            {
                lock (_lock)
                {
                    for (var i = batch.Count - 1; i >= 0; i--)
                    {
                        _items.AddFirst(batch[i]);
                        _bytes += batch[i].Bytes;
                    }
                    TrimLocked();
                    if (!_closing && !closing)
                        _timer.Change(FlushDelay, Timeout.InfiniteTimeSpan);
                }
                return;
            }
        }
    }

    /// <summary>The oldest events up to <c>max_batch_bytes</c> (always at least one).</summary>
    private List<QueuedEvent> TakeBatchLocked()
    {
        var batch = new List<QueuedEvent>();
        long bytes = 0;
        while (_items.First is { } first && (batch.Count == 0 || bytes + first.Value.Bytes <= Spec.MaxBatchBytes))
        {
            batch.Add(first.Value);
            bytes += first.Value.Bytes;
            _items.RemoveFirst();
        }
        _bytes -= bytes;
        return batch;
    }

    private void TrimLocked()
    {
        while (_items.First is { } oldest && (_items.Count > Spec.MaxQueueSize || _bytes > Spec.MaxQueueBytes))
        {
            _items.RemoveFirst();
            _bytes -= oldest.Value.Bytes;
            Interlocked.Increment(ref _dropped);
        }
    }

    private long _reportedDrops;

    private void ReportDrops()
    {
        var dropped = Dropped;
        if (dropped > _reportedDrops)
        {
            LogDropped(_logger, _conversationId, dropped - _reportedDrops, Spec.MaxQueueSize);
            _reportedDrops = dropped;
        }
    }

    /// <summary>A JSON array of the events as the wire has them: every field, nulls included, secrets redacted.</summary>
    private static byte[] Serialize(List<QueuedEvent> batch)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var queued in batch)
                JsonSerializer.Serialize(writer, queued.Event, DeckhandJson.Wire.Event);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private readonly record struct QueuedEvent(Event Event, long Bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook queue of conversation {ConversationId} was full: dropped the oldest {Count} event(s) (at most {Max} are kept).")]
    private static partial void LogDropped(ILogger logger, Guid conversationId, long count, int max);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery for conversation {ConversationId} stopped unexpectedly.")]
    private static partial void LogLoopFailed(ILogger logger, Guid conversationId, Exception exception);
}
