using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Events;
using Deckhand.Engine.Storage;

namespace Deckhand.AgentServer.Webhooks;

/// <summary>
/// The agent-server's webhooks (agent-server spec §1.11; V1 app-server spec §7.3): every conversation's events go, in
/// batches, to <c>{base_url}/events/{conversation id hex}</c> of each configured webhook, and its
/// <c>ConversationInfo</c> to <c>{base_url}/conversations</c> when it is created, paused or interrupted, retitled or
/// retagged, and deleted (then with <c>execution_status: "deleting"</c>, after its last events). It observes the
/// engine's commits and only queues; all posting happens on background tasks with bounded queues, so a receiver that
/// fails or hangs never blocks, slows or fails a run. On shutdown what is queued gets a few seconds to go out.
/// </summary>
public sealed partial class WebhookPublisher : IConversationObserver, IAsyncDisposable
{
    /// <summary>Lifecycle posts waiting per webhook; beyond it the oldest is dropped.</summary>
    private const int MaxQueuedInfos = 256;

    private readonly IReadOnlyList<Target> _targets;
    private readonly IConversationStore _store;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly TimeSpan _shutdownGrace;
    private readonly ConcurrentBag<Task> _closing = [];

    public WebhookPublisher(AgentServerOptions options, IConversationStore store, TimeProvider time, ILogger<WebhookPublisher> logger)
    {
        _store = store;
        _logger = logger;
        _shutdownGrace = options.WebhookShutdownGrace;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each post has its own timeout
        };
        var key = options.SessionApiKeys.Count > 0 ? options.SessionApiKeys[0] : null;
        _targets = [.. options.Webhooks.Select(spec => new Target(new WebhookSender(spec, key, _http, time, logger), time, logger))];
    }

    /// <summary>Events of <paramref name="conversationId"/> still waiting for the first webhook (tests, diagnostics).</summary>
    public int Pending(Guid conversationId) =>
        _targets.Count > 0 && _targets[0].Queues.TryGetValue(conversationId, out var queue) ? queue.Count : 0;

    public void Created(ConversationRunner runner)
    {
        // A fork starts with history copied in the store: it goes out like new events.
        var history = runner.HeadSeq > 0 ? ReadTail(runner) : [];
        foreach (var target in _targets)
        {
            if (history.Count > 0)
                target.Queue(runner.Id).Add(history);
            target.PostInfo(runner.Id, () => runner.Info);
        }
    }

    public void Committed(ConversationRunner runner, IReadOnlyList<StoredEvent> events, ConversationSnapshot before, ConversationSnapshot after)
    {
        var lifecycle = IsLifecycleChange(before, after);
        foreach (var target in _targets)
        {
            if (events.Count > 0)
                target.Queue(runner.Id).Add(events);
            if (lifecycle)
                target.PostInfo(runner.Id, () => runner.Info);
        }
    }

    public void Deleting(ConversationInfo info)
    {
        foreach (var target in _targets)
        {
            // Its last events first, then the deletion; in the background, so the delete request does not wait.
            var queue = target.Remove(info.Id);
            _closing.Add(Task.Run(async () =>
            {
                if (queue is not null)
                    await queue.CloseAsync(_shutdownGrace);
                target.PostInfo(info.Id, () => info);
            }));
        }
    }

    /// <summary>Pause and interrupt (status becomes paused), title and tag changes: what OpenHands posts the info for.</summary>
    private static bool IsLifecycleChange(ConversationSnapshot before, ConversationSnapshot after) =>
        (after.State.ExecutionStatus == ExecutionStatus.Paused && before.State.ExecutionStatus != ExecutionStatus.Paused)
        || after.Meta.Title != before.Meta.Title
        || !ReferenceEquals(after.State.Tags, before.State.Tags);

    private List<StoredEvent> ReadTail(ConversationRunner runner)
    {
        var max = _targets.Count == 0 ? 0 : _targets.Max(t => t.Spec.MaxQueueSize);
        var events = new List<StoredEvent>();
        var after = Math.Max(0, runner.HeadSeq - max);
        while (after < runner.HeadSeq)
        {
            var page = _store.ReadEvents(runner.Id, after, 500);
            if (page.Count == 0)
                break;
            events.AddRange(page.Where(e => e.Seq <= runner.HeadSeq));
            after = page[^1].Seq;
        }
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        var deadline = Task.Delay(_shutdownGrace);
        await Task.WhenAll(_closing);
        await Task.WhenAll(_targets.Select(t => t.CloseAsync(_shutdownGrace, deadline)));
        _http.Dispose();
    }

    /// <summary>One configured webhook: its sender, a queue per conversation, and the lifecycle posts.</summary>
    private sealed class Target
    {
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private readonly Lock _lock = new();
        private readonly Channel<(Guid Id, Func<ConversationInfo> Info)> _infos =
            Channel.CreateBounded<(Guid, Func<ConversationInfo>)>(new BoundedChannelOptions(MaxQueuedInfos) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _infoLoop;

        public Target(WebhookSender sender, TimeProvider time, ILogger logger)
        {
            Sender = sender;
            _time = time;
            _logger = logger;
            _infoLoop = Task.Run(PostInfosAsync);
        }

        public WebhookSender Sender { get; }

        public WebhookSpec Spec => Sender.Spec;

        public ConcurrentDictionary<Guid, ConversationEventQueue> Queues { get; } = new();

        public ConversationEventQueue Queue(Guid id)
        {
            if (Queues.TryGetValue(id, out var queue))
                return queue;
            lock (_lock)
                return Queues.GetOrAdd(id, key => new ConversationEventQueue(key, Sender, _time, _logger));
        }

        public ConversationEventQueue? Remove(Guid id)
        {
            lock (_lock)
                return Queues.TryRemove(id, out var queue) ? queue : null;
        }

        /// <summary>Queues a lifecycle post; the info is taken when it is sent, so it is the latest.</summary>
        public void PostInfo(Guid id, Func<ConversationInfo> info) => _infos.Writer.TryWrite((id, info));

        private async Task PostInfosAsync()
        {
            try
            {
                await foreach (var (id, info) in _infos.Reader.ReadAllAsync(_stop.Token))
                {
                    byte[] body;
                    try
                    {
                        body = JsonSerializer.SerializeToUtf8Bytes(info(), DeckhandJson.Wire.ConversationInfo);
                    }
                    catch (Exception ex)
                    {
                        LogInfoFailed(_logger, id, ex);
                        continue;
                    }
                    await Sender.PostAsync("/conversations", body, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }

        public async Task CloseAsync(TimeSpan grace, Task deadline)
        {
            List<ConversationEventQueue> queues;
            lock (_lock)
            {
                queues = [.. Queues.Values];
                Queues.Clear();
            }
            await Task.WhenAll(queues.Select(q => q.CloseAsync(grace)));
            _infos.Writer.TryComplete();
            if (await Task.WhenAny(_infoLoop, deadline) != _infoLoop)
                await _stop.CancelAsync();
            await _infoLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not build the webhook info of conversation {ConversationId}.")]
    private static partial void LogInfoFailed(ILogger logger, Guid conversationId, Exception exception);
}
