using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Events;
using Deckhand.Engine.Secrets;
using Deckhand.Engine.Storage;

namespace Deckhand.Engine.Conversations;

/// <summary>
/// Owns one live conversation. It is the single writer of the conversation's log and state: every mutation happens
/// under <see cref="_gate"/>, commits to the store, and only then is published to subscribers (durable before
/// visible). Readers use <see cref="Snapshot"/>, an immutable value swapped on each commit. The run loop is a
/// background task that releases the gate while it waits on the LLM or a tool, so messages, pause and interrupt can
/// come in at any time.
/// </summary>
public sealed partial class ConversationRunner : IAsyncDisposable
{
    private readonly IConversationStore _store;
    private readonly AgentRuntime _agent;
    private readonly TimeProvider _time;
    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private readonly IConversationObserver? _observer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConversationSnapshot _snapshot;
    private long _headSeq;
    private long _lastActivity;
    private bool _closed;

    internal ConversationRunner(IConversationStore store, AgentRuntime agent, ConversationSnapshot snapshot, long headSeq,
        TimeProvider time, int maxSubscribers, Microsoft.Extensions.Logging.ILogger logger, ConversationSecrets? secrets = null,
        IConversationObserver? observer = null)
    {
        _observer = observer;
        Secrets = secrets ?? new ConversationSecrets(snapshot.State.SecretRegistry.SecretSources, time);
        _logger = logger;
        _store = store;
        _agent = agent;
        _snapshot = snapshot;
        _headSeq = headSeq;
        _time = time;
        Hub = new EventHub(maxSubscribers);
        Touch();
    }

    public Guid Id => _snapshot.State.Id;

    public EventHub Hub { get; }

    /// <summary>The conversation's secrets: what the terminal exports and what every appended event is masked with.</summary>
    public ConversationSecrets Secrets { get; }

    /// <summary>The latest committed state; safe to read from any thread.</summary>
    public ConversationSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public ConversationInfo Info => ConversationInfo.From(Snapshot) with { SubConversationIds = _store.ListChildren(Id) };

    /// <summary>Seq of the last committed event.</summary>
    public long HeadSeq => Interlocked.Read(ref _headSeq);

    internal IConversationStore Store => _store;

    internal AgentRuntime Agent => _agent;

    internal DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivity), TimeSpan.Zero);

    internal bool IsClosed => Volatile.Read(ref _closed);

    internal bool IsIdle => !_loopActive && Hub.Count == 0 && !TitlePending;

    internal void Touch() => Interlocked.Exchange(ref _lastActivity, _time.GetUtcNow().UtcTicks);

    /// <summary>Appends events (and applies a state change) as one transaction, then publishes them.</summary>
    internal async Task<IReadOnlyList<StoredEvent>> AppendAsync(
        IReadOnlyList<Event> events, Func<ConversationState, ConversationState>? change = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return AppendLocked(events, change);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Like <see cref="AppendAsync"/>, and changes the conversation's meta in the same commit.</summary>
    internal async Task<IReadOnlyList<StoredEvent>> AppendWithMetaAsync(IReadOnlyList<Event> events,
        Func<ConversationState, ConversationState>? change, Func<ConversationMeta, ConversationMeta>? metaChange,
        CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return AppendLocked(events, change, metaChange);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The one write path. Emits a <c>ConversationStateUpdateEvent</c> for each public state field the change touched,
    /// right after the events that caused it, all in the same transaction as the new snapshot. It is also the one
    /// place secrets are masked: every event is masked before it is stored, published or added to the model's history.
    /// </summary>
    private List<StoredEvent> AppendLocked(IReadOnlyList<Event> events, Func<ConversationState, ConversationState>? change,
        Func<ConversationMeta, ConversationMeta>? metaChange = null, bool setsBudget = false)
    {
        ThrowIfClosed();
        var before = _snapshot;
        var state = change is null ? before.State : change(before.State);
        if (!ReferenceEquals(state.Stats, before.State.Stats))
            state = state with { Stats = UsageStats.KeepAccumulated(before.State.Stats, state.Stats) };
        // Only SetBudgetAsync changes the budget; any other write keeps the budget currently in force.
        if (!setsBudget && !ReferenceEquals(state.Stats, before.State.Stats))
            state = state with { Stats = UsageStats.CarryBudgets(before.State.Stats, state.Stats) };
        var all = new List<Event>(events);
        if (!ReferenceEquals(state, before.State))
            all.AddRange(StateUpdates.Diff(before.State, state));
        var masker = Secrets.Masker;
        for (var i = 0; i < all.Count; i++)
            all[i] = EventMasking.Mask(all[i], masker);
        var meta = metaChange is null ? before.Meta : metaChange(before.Meta);
        var changed = !ReferenceEquals(state, before.State) || !ReferenceEquals(meta, before.Meta) || all.Count > 0;
        if (!changed)
            return [];
        var now = _time.GetUtcNow();
        var leaf = all.Count > 0 ? all[^1].Id : state.LeafEventId;
        var snapshot = new ConversationSnapshot(state with { LeafEventId = leaf }, meta with { UpdatedAt = now });
        var first = _headSeq + 1;
        var stored = new List<StoredEvent>(all.Count);
        for (var i = 0; i < all.Count; i++)
            stored.Add(new StoredEvent(first + i, all[i]) { Utf8Json = JsonSerializer.SerializeToUtf8Bytes(all[i], DeckhandJson.Compact.Event) });
        _store.Append(Id, first, stored, snapshot);
        Volatile.Write(ref _snapshot, snapshot);
        Interlocked.Exchange(ref _headSeq, first + all.Count - 1);
        _history?.AddRange(all.Where(History.IsRelevant));
        Touch();
        Hub.Publish(stored);
        if (_observer is not null)
            Observe(o => o.Committed(this, stored, before, snapshot));
        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Trace))
        {
            foreach (var e in all)
                EngineLog.Appended(_logger, Id, e.Kind, EventText.Of(e));
        }
        return stored;
    }

    /// <summary>Calls the observer, which must never fail the conversation.</summary>
    internal void Observe(Action<IConversationObserver> call)
    {
        if (_observer is null)
            return;
        try
        {
            call(_observer);
        }
        catch (Exception ex)
        {
            EngineLog.ObserverFailed(_logger, Id, ex);
        }
    }

    /// <summary>Publishes a <c>full_state</c> snapshot to live subscribers only; it is not stored.</summary>
    internal void PublishFullState() => Hub.Publish(new StoredEvent(StoredEvent.Transient, FullStateEvent()));

    /// <summary>The full-state event a new subscriber gets first.</summary>
    public ConversationStateUpdateEvent FullStateEvent() => new()
    {
        Key = ConversationStateUpdateEvent.FullStateKey,
        Value = JsonSerializer.SerializeToElement(Snapshot.State, DeckhandJson.Compact.ConversationState),
    };

    private void ThrowIfClosed()
    {
        if (_closed)
            throw new ConversationUnloadedException();
    }

    /// <summary>Unloads the runner if it is still idle. Returns false when it became busy meanwhile.</summary>
    internal async Task<bool> TryCloseAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (!IsIdle)
                return false;
            _closed = true;
            _history = null;
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopRunAsync(TimeSpan.FromSeconds(10));
        await StopTitleAsync(TimeSpan.FromSeconds(5));
        await _gate.WaitAsync();
        _closed = true;
        _gate.Release();
        Hub.CompleteAll();
        _agent.Dispose();
    }
}

/// <summary>Thrown when a caller still holds a runner that the service has unloaded; the service reloads and retries.</summary>
public sealed class ConversationUnloadedException() : Exception("The conversation was unloaded; reload it.");
