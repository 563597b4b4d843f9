using System.Collections.Concurrent;
using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Replay;
using Deckhand.Engine.Secrets;
using Deckhand.Engine.Storage;
using Deckhand.Engine.Tools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deckhand.Engine.Conversations;

/// <summary>
/// The catalogue of conversations. Loads a conversation's runner on first access (rehydrating it from the store),
/// keeps it while it runs or has subscribers, and unloads it after it has been idle for a while. At start it recovers
/// conversations that were running when the previous process died.
/// </summary>
public sealed partial class ConversationService : IAsyncDisposable
{
    private readonly IConversationStore _store;
    private readonly ILlmClientFactory _llmFactory;
    private readonly ToolRegistry _tools;
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, Lazy<Task<ConversationRunner?>>> _loaded = new();
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private readonly ConcurrentDictionary<Guid, bool> _deleting = new();
    private ITimer? _sweeper;

    public ConversationService(IConversationStore store, ILlmClientFactory llmFactory, ToolRegistry tools, EngineOptions options,
        TimeProvider? time = null, ILogger<ConversationService>? logger = null)
    {
        _logger = logger ?? NullLogger<ConversationService>.Instance;
        _store = store;
        _llmFactory = llmFactory;
        _tools = tools;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    public IConversationStore Store => _store;

    public ToolRegistry Tools => _tools;

    public int LoadedCount => _loaded.Count;

    /// <summary>Recovers conversations cut off by a crash and starts the idle sweep.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        foreach (var id in _store.ListByStatus(ExecutionStatus.Running))
        {
            var runner = await GetAsync(id, cancellationToken);
            if (runner is not null && await runner.RecoverAfterRestartAsync() is { } closed)
                EngineLog.Recovered(_logger, id, closed);
        }
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, _options.IdleUnloadAfter.Ticks / 2));
        _sweeper = _time.CreateTimer(_ => _ = SweepAsync(), null, period, period);
    }

    /// <summary>Creates a conversation. Returns the existing one (and false) when the id is taken.</summary>
    public Task<(ConversationRunner Runner, bool Created)> CreateAsync(StartConversationRequest request, CancellationToken cancellationToken = default) =>
        CreateAsync(request, replay: null, cancellationToken);

    /// <summary>
    /// Creates a conversation that replays <paramref name="replay"/>'s tool calls before its first LLM call (queued in
    /// its stored meta). The caller sends <see cref="V0Replay.InitialMessage"/> with <c>run</c> to start it.
    /// </summary>
    public async Task<(ConversationRunner Runner, bool Created)> CreateAsync(StartConversationRequest request, V0Replay? replay,
        CancellationToken cancellationToken = default)
    {
        var agent = request.Agent ?? throw new ArgumentException("agent is required.");
        var id = request.ConversationId ?? Guid.NewGuid();
        var secrets = StartSecrets(request, ref agent);
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (await GetAsync(id, cancellationToken) is { } existing)
                return (existing, false);
            if (request.ParentConversationId is { } parentId)
                CheckParent(id, parentId, request.Workspace);
            var now = _time.GetUtcNow();
            var state = new ConversationState
            {
                Id = id,
                Agent = agent,
                Workspace = request.Workspace,
                PersistenceDir = _options.PersistenceDirFor(id),
                MaxIterations = request.MaxIterations,
                StuckDetection = request.StuckDetection,
                ConfirmationPolicy = request.ConfirmationPolicy,
                SecurityAnalyzer = request.SecurityAnalyzer,
                Tags = request.Tags,
                SecretRegistry = new SecretRegistry { SecretSources = secrets },
                Stats = request.MaxBudgetPerTask is { } budget
                    ? UsageStats.WithBudget(new ConversationStats(), agent.Llm, budget)
                    : new ConversationStats(),
            };
            var snapshot = new ConversationSnapshot(state, new ConversationMeta
            {
                CreatedAt = now,
                UpdatedAt = now,
                Autotitle = request.Autotitle,
                ParentConversationId = request.ParentConversationId,
                Replay = replay is { Calls.Count: > 0 } ? replay.Calls : null,
            });
            if (!_store.Create(snapshot))
                throw new InvalidOperationException("Conversation id collision.");
            var runner = NewRunner(snapshot, 0);
            _loaded[id] = new Lazy<Task<ConversationRunner?>>(Task.FromResult<ConversationRunner?>(runner));
            runner.Observe(o => o.Created(runner));
            if (replay is not null)
            {
                EngineLog.ReplayStarted(_logger, id, replay.Calls.Count);
                foreach (var reason in replay.Skipped)
                    EngineLog.ReplaySkipped(_logger, id, reason);
            }
            await runner.AppendAsync([runner.Agent.SystemPromptEvent(now)], cancellationToken: cancellationToken);
            // MCP servers start now, in the background, so they are usually up by the first LLM call.
            runner.Agent.StartMcp(runner);
            return (runner, true);
        }
        finally
        {
            _createLock.Release();
        }
    }

    /// <summary>
    /// The conversation's first secrets: <c>agent_context.secrets</c> overridden by the request's <c>secrets</c>. The
    /// agent is stored with the agent-context values redacted (the registry keeps them). Input that does not parse is
    /// refused by the endpoint before this point; here it is skipped.
    /// </summary>
    private static IReadOnlyDictionary<string, SecretSource> StartSecrets(StartConversationRequest request, ref AgentSpec agent)
    {
        var ignored = new List<(string, string)>();
        var (fromContext, redactedContext) = SecretInput.FromAgentContext(agent.AgentContext, ignored);
        if (fromContext.Count > 0)
            agent = agent with { AgentContext = redactedContext };
        return SecretInput.Merge(fromContext, SecretInput.ParseAll(request.Secrets, ignored));
    }

    /// <summary>The runner of a conversation, loading it from the store if needed; null when it does not exist.</summary>
    public async Task<ConversationRunner?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_deleting.ContainsKey(id))
                return null;
            var lazy = _loaded.GetOrAdd(id, key => new Lazy<Task<ConversationRunner?>>(() => Task.Run(() => Load(key), CancellationToken.None)));
            var runner = await lazy.Value.WaitAsync(cancellationToken);
            if (runner is not null && !runner.IsClosed)
            {
                runner.Touch();
                return runner;
            }
            // Unknown, or unloaded by the sweep a moment ago: forget this entry; for the latter, load afresh.
            _loaded.TryRemove(new KeyValuePair<Guid, Lazy<Task<ConversationRunner?>>>(id, lazy));
            if (runner is null)
                return null;
        }
    }

    /// <summary>
    /// Runs an operation on a conversation, retrying once if the runner was unloaded under the caller's feet.
    /// Returns null when the conversation does not exist.
    /// </summary>
    public async Task<T?> WithAsync<T>(Guid id, Func<ConversationRunner, Task<T>> operation, CancellationToken cancellationToken = default)
        where T : class
    {
        for (var attempt = 0; ; attempt++)
        {
            var runner = await GetAsync(id, cancellationToken);
            if (runner is null)
                return null;
            try
            {
                return await operation(runner);
            }
            catch (ConversationUnloadedException) when (attempt == 0)
            {
            }
        }
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var runner = await GetAsync(id, cancellationToken);
        if (runner is null || !_deleting.TryAdd(id, true))
            return false;
        try
        {
            // From here GetAsync answers "not found", so nothing can reload the conversation while it goes.
            _loaded.TryRemove(id, out _);
            await runner.DisposeAsync();
            if (_options.Observer is not null)
                runner.Observe(o => o.Deleting(runner.Info with { ExecutionStatus = ExecutionStatus.Deleting }));
            var deleted = _store.Delete(id);
            TryDeleteDirectory(_options.PersistenceDirFor(id));
            return deleted;
        }
        finally
        {
            _deleting.TryRemove(id, out _);
        }
    }

    /// <summary>Unloads conversations that are idle, have no subscriber, and were not touched for the idle period.</summary>
    public async Task<int> SweepAsync()
    {
        var cutoff = _time.GetUtcNow() - _options.IdleUnloadAfter;
        var unloaded = 0;
        foreach (var (id, lazy) in _loaded)
        {
            if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully || lazy.Value.Result is not { } runner)
                continue;
            if (!runner.IsIdle || runner.LastActivity > cutoff)
                continue;
            if (!await runner.TryCloseAsync())
                continue;
            _loaded.TryRemove(new KeyValuePair<Guid, Lazy<Task<ConversationRunner?>>>(id, lazy));
            runner.Agent.Dispose();
            unloaded++;
        }
        if (unloaded > 0)
            EngineLog.Unloaded(_logger, unloaded);
        return unloaded;
    }

    public async ValueTask DisposeAsync()
    {
        _sweeper?.Dispose();
        foreach (var lazy in _loaded.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result is { } runner)
                await runner.DisposeAsync();
        }
        _loaded.Clear();
    }

    private ConversationRunner? Load(Guid id)
    {
        var loaded = _store.Load(id);
        return loaded is null ? null : NewRunner(loaded.Value.Snapshot, loaded.Value.HeadSeq);
    }

    private ConversationRunner NewRunner(ConversationSnapshot snapshot, long headSeq)
    {
        var secrets = new ConversationSecrets(snapshot.State.SecretRegistry.SecretSources, _time);
        return new(_store, new AgentRuntime(snapshot.State, _llmFactory, _tools, _options, secrets, _logger), snapshot, headSeq, _time,
            _options.MaxSubscribersPerConversation, _logger, secrets, _options.Observer);
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
