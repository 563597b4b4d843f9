using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Events;
using Deckhand.Engine.Files;

namespace Deckhand.Engine.Conversations;

/// <summary>What <see cref="ConversationService.ForkAsync"/> did.</summary>
public enum ForkStatus
{
    Created,
    SourceNotFound,
    EventNotFound,
    IdExists,
}

public sealed record ForkResult(ForkStatus Status, ConversationRunner? Fork = null);

/// <summary>A <c>parent_conversation_id</c> that cannot be used: the conversation itself, unknown, or another workspace.</summary>
public sealed class InvalidParentException(string message) : ArgumentException(message);

public sealed partial class ConversationService
{
    internal const string ForkClosedCall =
        "The conversation was forked before this tool call returned, so its result is not part of the fork. "
        + "The call may still have changed the workspace: check before relying on it.";

    private const int ForkReadPage = 1000;

    /// <summary>
    /// Copies a conversation into a new one: its events up to and including <see cref="ForkConversationRequest.FromEventId"/>
    /// (all of them when null, same ids and seqs), its agent and settings, and its stats unless
    /// <see cref="ForkConversationRequest.ResetMetrics"/> (the budget stays). The fork starts idle with its own runner:
    /// both conversations go on independently, in the same workspace. Tool calls left without a result at the fork
    /// point get an error result in the fork, so its history is well-formed and nothing is run twice.
    /// </summary>
    public async Task<ForkResult> ForkAsync(Guid sourceId, ForkConversationRequest request, CancellationToken cancellationToken = default)
    {
        var source = await GetAsync(sourceId, cancellationToken);
        if (source is null)
            return new ForkResult(ForkStatus.SourceNotFound);
        var forkId = request.Id ?? Guid.NewGuid();
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (forkId == sourceId || await GetAsync(forkId, cancellationToken) is not null)
                return new ForkResult(ForkStatus.IdExists);
            var (snapshot, head) = await source.ForkPointAsync(cancellationToken);
            var upTo = head;
            if (request.FromEventId is { } eventId)
            {
                if (_store.GetEvent(sourceId, eventId) is not { } at)
                    return new ForkResult(ForkStatus.EventNotFound);
                upTo = at.Seq;
            }

            var (lastId, lastUserMessageId, open) = Scan(sourceId, upTo);
            var closing = open.Select((a, i) => new StoredEvent(upTo + 1 + i, new AgentErrorEvent
            {
                ParentId = a.Id,
                ToolName = a.ToolName,
                ToolCallId = a.ToolCallId,
                Error = ForkClosedCall,
                Classification = ErrorClassification.Internal,
            })).ToList();
            var state = snapshot.State;
            var now = _time.GetUtcNow();
            var fork = new ConversationSnapshot(
                state with
                {
                    Id = forkId,
                    PersistenceDir = _options.PersistenceDirFor(forkId),
                    ExecutionStatus = ExecutionStatus.Idle,
                    Stats = request.ResetMetrics ? FreshStats(state) : state.Stats,
                    LastUserMessageId = lastUserMessageId,
                    LeafEventId = closing.Count > 0 ? closing[^1].Event.Id : lastId,
                    Tags = request.Tags is { } tags ? new Dictionary<string, string>(tags) : state.Tags,
                },
                new ConversationMeta
                {
                    CreatedAt = now,
                    UpdatedAt = now,
                    Title = request.Title ?? snapshot.Meta.Title,
                    Autotitle = snapshot.Meta.Autotitle,
                    ForkedFromConversationId = sourceId,
                    ForkedFromEventId = request.FromEventId ?? lastId,
                });
            if (!_store.CreateFork(sourceId, upTo, fork, closing))
                return new ForkResult(ForkStatus.IdExists);
            CopyToolState(_options.PersistenceDirFor(sourceId), _options.PersistenceDirFor(forkId));
            var runner = NewRunner(fork, upTo + closing.Count);
            _loaded[forkId] = new Lazy<Task<ConversationRunner?>>(Task.FromResult<ConversationRunner?>(runner));
            runner.Observe(o => o.Created(runner));
            EngineLog.Forked(_logger, sourceId, upTo, forkId);
            return new ForkResult(ForkStatus.Created, runner);
        }
        finally
        {
            _createLock.Release();
        }
    }

    /// <summary>The last event id, the last user message id and the unanswered tool calls among events 1..<paramref name="upTo"/>.</summary>
    private (string? LastId, string? LastUserMessageId, IReadOnlyList<ActionEvent> Open) Scan(Guid id, long upTo)
    {
        string? lastId = null;
        string? lastUser = null;
        var relevant = new List<Event>();
        long after = 0;
        while (after < upTo)
        {
            var page = _store.ReadEvents(id, after, ForkReadPage, upTo);
            if (page.Count == 0)
                break;
            foreach (var stored in page)
            {
                lastId = stored.Event.Id;
                if (stored.Event is MessageEvent { Source: EventSource.User } message)
                    lastUser = message.Id;
                if (stored.Event is ActionEvent or ObservationEvent or AgentErrorEvent or UserRejectObservation)
                    relevant.Add(stored.Event);
            }
            after = page[^1].Seq;
        }
        return (lastId, lastUser, History.Unmatched(relevant));
    }

    /// <summary>Empty usage that keeps the source's budget: a budget is a setting, not a measurement.</summary>
    private static ConversationStats FreshStats(ConversationState state) =>
        UsageStats.Budget(state.Stats) is { } budget ? UsageStats.WithBudget(new ConversationStats(), state.Agent.Llm, budget) : new ConversationStats();

    /// <summary>
    /// Copies what tools keep for a conversation (the task list) into the fork's folder; best effort. Full terminal
    /// outputs stay where they are: the copied observations point at the source's files.
    /// </summary>
    private static void CopyToolState(string from, string to)
    {
        try
        {
            if (!Directory.Exists(from))
                return;
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                if (relative.StartsWith("terminal" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    continue;
                var target = Path.Combine(to, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: false);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>OpenHands' parent rules: not itself, must exist, same working directory.</summary>
    private void CheckParent(Guid id, Guid parentId, Workspace workspace)
    {
        if (parentId == id)
            throw new InvalidParentException("A conversation cannot be its own parent.");
        if (_deleting.ContainsKey(parentId) || _store.Load(parentId) is not { } parent)
            throw new InvalidParentException($"Parent conversation {parentId} does not exist.");
        if (!SameDirectory(parent.Snapshot.State.Workspace.WorkingDir, workspace.WorkingDir))
        {
            throw new InvalidParentException(
                $"A sub-conversation must work in its parent's workspace: the parent uses '{parent.Snapshot.State.Workspace.WorkingDir}'.");
        }
    }

    private static bool SameDirectory(string a, string b)
    {
        static string Normalize(string path)
        {
            try
            {
                return Path.TrimEndingDirectorySeparator(RealPath.Resolve(Path.GetFullPath(path)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
            }
        }
        return string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);
    }
}
