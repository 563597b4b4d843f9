using Deckhand.AppServer;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.AppConversations.Starting;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Events;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Contracts.AppServer;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.V0.Events;
using Deckhand.V0.Sockets;
using TaskStatus = Deckhand.Contracts.AppServer.AppConversationStartTaskStatus;

namespace Deckhand.V0.Conversations;

/// <summary>A conversation's V0 status (<c>ConversationStatus</c>) and <c>runtime_status</c>.</summary>
public sealed record V0Status(string Status, string? RuntimeStatus)
{
    public static readonly V0Status Starting = new("STARTING", null);
    public static readonly V0Status Running = new("RUNNING", "STATUS$READY");
    public static readonly V0Status Stopped = new("STOPPED", null);
    public static readonly V0Status Error = new("ERROR", "STATUS$ERROR");

    public bool IsActive => Status is "STARTING" or "RUNNING";
}

/// <summary>
/// The lifecycle of V0 conversations over the V1 machinery (V0 spec §5): a V0 conversation is a catalogue row with
/// <c>conversation_version</c> 'V0', started by the V1 start flow in a sandbox of its own. Stop pauses that sandbox,
/// start resumes it (or runs the start flow again when it is gone). Status: <c>STARTING</c> while its start task or a
/// resume is in flight, <c>RUNNING</c> (runtime <c>STATUS$READY</c>) while the sandbox runs, <c>STOPPED</c> when it is
/// paused or missing, <c>ERROR</c> (runtime <c>STATUS$ERROR</c>) when the start task or the sandbox failed.
/// </summary>
public sealed partial class V0ConversationService(
    AppConversationInfoRepository conversations, StartTaskRepository tasks, StartTaskRunner runner, SandboxService sandboxes,
    AppConversationService v1, ConversationEventStore events, V0Lifecycle lifecycle, V0Rooms rooms, BackgroundWork background,
    AppServerOptions options, TimeProvider time, ILogger<V0ConversationService> logger)
{
    public const string Version = "V0";
    public const string TooManyConversations = "AGENT_ERROR$TOO_MANY_CONVERSATIONS";

    /// <summary>How many V0 rows the concurrency limit and the idle sweep look at (newest first).</summary>
    public const int ScanLimit = 500;

    public static string DefaultTitle(Guid id) => "Conversation " + Ids.Hex(id)[..5];

    public async Task<V0Status> StatusAsync(AppConversationInfo row, CancellationToken cancellationToken)
    {
        if (lifecycle.IsResuming(row.Id))
            return V0Status.Starting;
        if (lifecycle.StartTaskOf(row.Id) is { } taskId && await tasks.GetAsync(null, taskId, cancellationToken) is { } task)
        {
            if (task.Status == TaskStatus.Error)
                return V0Status.Error;
            if (task.Status != TaskStatus.Ready)
                return V0Status.Starting;
        }
        if (string.IsNullOrEmpty(row.SandboxId))
            return V0Status.Stopped;
        return (await sandboxes.GetAsync(null, row.SandboxId, cancellationToken))?.Status switch
        {
            SandboxStatus.Running => V0Status.Running,
            SandboxStatus.Starting => V0Status.Starting,
            SandboxStatus.Error => V0Status.Error,
            _ => V0Status.Stopped,
        };
    }

    public async Task<V0ConversationInfo> ToInfoAsync(AppConversationInfo row, CancellationToken cancellationToken)
    {
        var status = await StatusAsync(row, cancellationToken);
        var hex = Ids.Hex(row.Id);
        return new V0ConversationInfo
        {
            ConversationId = hex,
            Title = string.IsNullOrEmpty(row.Title) ? DefaultTitle(row.Id) : row.Title,
            LastUpdatedAt = V0Dates.Format(row.UpdatedAt),
            Status = status.Status,
            RuntimeStatus = status.RuntimeStatus,
            SelectedRepository = row.SelectedRepository,
            SelectedBranch = row.SelectedBranch,
            GitProvider = row.GitProvider,
            Trigger = row.Trigger,
            NumConnections = rooms.ConnectionCount(row.Id),
            Url = "/api/conversations/" + hex,
            SessionApiKey = null,
            CreatedAt = V0Dates.Format(row.CreatedAt),
            PrNumber = row.PrNumber,
            ConversationVersion = Version,
        };
    }

    /// <summary>The §9.1 shim: a V1 conversation as a legacy <c>ConversationInfo</c>.</summary>
    public static V0ConversationInfo FromV1(AppConversation c)
    {
        var status = c.SandboxStatus switch
        {
            SandboxStatus.Running => "RUNNING",
            SandboxStatus.Starting => "STARTING",
            SandboxStatus.Paused => "STOPPED",
            SandboxStatus.Error => "ERROR",
            SandboxStatus.Missing => "ARCHIVED",
            _ => "STOPPED",
        };
        string? runtime = status != "RUNNING" ? null
            : c.ExecutionStatus is ExecutionStatus.Idle or ExecutionStatus.Running or ExecutionStatus.Paused or ExecutionStatus.WaitingForConfirmation
                or ExecutionStatus.Finished ? "STATUS$READY" : "STATUS$ERROR";
        var id = Guid.Parse(c.Id);
        return new V0ConversationInfo
        {
            ConversationId = c.Id,
            Title = string.IsNullOrEmpty(c.Title) ? "Conversation " + Base62.Encode(id.ToByteArray(bigEndian: true)) : c.Title,
            LastUpdatedAt = V0Dates.Format(c.UpdatedAt),
            Status = status,
            RuntimeStatus = runtime,
            SelectedRepository = c.SelectedRepository,
            SelectedBranch = c.SelectedBranch,
            GitProvider = c.GitProvider,
            Trigger = c.Trigger,
            NumConnections = 0,
            Url = c.ConversationUrl,
            SessionApiKey = c.SessionApiKey,
            CreatedAt = V0Dates.Format(c.CreatedAt),
            PrNumber = c.PrNumber,
            ConversationVersion = "V1",
            SubConversationIds = c.SubConversationIds,
        };
    }

    /// <summary>One conversation of either version as <c>ConversationInfo</c>; null when unknown.</summary>
    public async Task<V0ConversationInfo?> GetAsync(string? userId, Guid id, CancellationToken cancellationToken)
    {
        var row = await conversations.FindAnyAsync(userId, id, cancellationToken);
        if (row is null)
            return null;
        if (row.Version != Version)
            return await v1.GetAsync(userId, id, cancellationToken) is { } c ? FromV1(c) : null;
        return await ToInfoAsync(row, cancellationToken);
    }

    /// <summary>
    /// Saves the row (unless the id is known already) and starts the conversation. The caller checked the settings.
    /// Returns the status to answer with.
    /// </summary>
    public async Task<string> CreateAsync(string? userId, V0CreatePlan plan, CancellationToken cancellationToken)
    {
        var existing = await conversations.FindAnyAsync(userId, plan.ConversationId, cancellationToken);
        if (existing is not null)
        {
            // Upstream reuses the metadata and does not restart a live loop.
            if (existing.Version != Version)
                return "RUNNING";
            var status = await StatusAsync(existing, cancellationToken);
            if (status.IsActive)
                return status.Status;
        }
        return await StartFlowAsync(userId, plan, cancellationToken);
    }

    /// <summary>Writes the row a V0 conversation has from its creation on (before its sandbox exists).</summary>
    public async Task SaveNewRowAsync(string? userId, V0CreatePlan plan, CancellationToken cancellationToken)
    {
        if (await conversations.FindAnyAsync(null, plan.ConversationId, cancellationToken) is not null)
            return;
        var now = time.GetUtcNow();
        await conversations.SaveAsync(new AppConversationInfo
        {
            Id = plan.ConversationId,
            CreatedByUserId = userId,
            SandboxId = "",
            SelectedRepository = plan.Request.SelectedRepository,
            SelectedBranch = plan.Request.SelectedBranch,
            GitProvider = plan.Request.GitProvider,
            Title = plan.Title ?? DefaultTitle(plan.ConversationId),
            Trigger = plan.Request.Trigger,
            CreatedAt = now,
            UpdatedAt = now,
            Version = Version,
        }, cancellationToken);
    }

    private async Task<string> StartFlowAsync(string? userId, V0CreatePlan plan, CancellationToken cancellationToken)
    {
        var id = plan.ConversationId;
        await EnforceLimitAsync(userId, id, cancellationToken);
        // STARTING from now on, also before the task exists.
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifecycle.Resuming(id, registered.Task);
        try
        {
            var extras = plan.Extras with { Abandoned = lifecycle.StartToken(id) };
            var task = await runner.BeginAsync(userId, plan.Request, null, cancellationToken, extras);
            lifecycle.Started(id, task.Id);
        }
        finally
        {
            registered.TrySetResult();
        }
        return "STARTING";
    }

    /// <summary>
    /// <c>POST /start</c>: resumes the conversation's sandbox (or starts the conversation again when it has none).
    /// Null when unknown; otherwise the status to answer with.
    /// </summary>
    public async Task<string?> StartAsync(string? userId, Guid id, CancellationToken cancellationToken)
    {
        var row = await conversations.FindAnyAsync(userId, id, cancellationToken);
        if (row is null)
            return null;
        if (row.Version != Version)
        {
            if (!string.IsNullOrEmpty(row.SandboxId))
                await sandboxes.ResumeAsync(userId, row.SandboxId, cancellationToken);
            return "RUNNING";
        }
        var status = await StatusAsync(row, cancellationToken);
        if (status.IsActive)
            return status.Status;
        await conversations.SaveAsync(row with { UpdatedAt = time.GetUtcNow() }, cancellationToken);
        var sandbox = string.IsNullOrEmpty(row.SandboxId) ? null : await sandboxes.FindAsync(null, row.SandboxId, cancellationToken);
        if (sandbox is null)
        {
            // Never got a sandbox (or it was deleted): run the start flow again for the same id.
            lifecycle.Forget(id);
            return await StartFlowAsync(userId, new V0CreatePlan(id, new AppConversationStartRequest
            {
                SelectedRepository = row.SelectedRepository,
                SelectedBranch = row.SelectedBranch,
                GitProvider = row.GitProvider,
                Trigger = row.Trigger,
            }, new StartExtras { ConversationId = id, Version = Version }, null), cancellationToken);
        }
        await EnforceLimitAsync(userId, id, cancellationToken);
        lifecycle.Forget(id);
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifecycle.Resuming(id, resumed.Task);
        var sandboxId = sandbox.Id;
        if (!background.Run("resume a V0 conversation", async token =>
            {
                try
                {
                    await sandboxes.ResumeAsync(null, sandboxId, token);
                }
                finally
                {
                    resumed.TrySetResult();
                }
            }))
            resumed.TrySetResult();
        return "STARTING";
    }

    /// <summary>
    /// Stops a conversation: tells its sockets the agent stopped, disconnects them, and pauses its sandbox. Returns the
    /// status it had (not <c>STARTING</c>/<c>RUNNING</c>: nothing was done).
    /// </summary>
    public async Task<V0Status> StopAsync(AppConversationInfo row, CancellationToken cancellationToken)
    {
        var status = row.Version == Version ? await StatusAsync(row, cancellationToken)
            : string.IsNullOrEmpty(row.SandboxId) ? V0Status.Stopped
            : (await sandboxes.GetAsync(null, row.SandboxId, cancellationToken))?.Status == SandboxStatus.Running ? V0Status.Running : V0Status.Stopped;
        if (!status.IsActive)
            return status;
        if (row.Version == Version)
        {
            rooms.Emit(row.Id, V0Projector.AgentStateChanged("stopped").ToUtf8Json());
            rooms.DisconnectAll(row.Id);
        }
        if (!string.IsNullOrEmpty(row.SandboxId)
            && (await sandboxes.GetAsync(null, row.SandboxId, cancellationToken))?.Status == SandboxStatus.Running)
            await sandboxes.PauseAsync(null, row.SandboxId, cancellationToken);
        LogStopped(logger, Ids.Hex(row.Id));
        return status;
    }

    public async Task<(bool Found, V0Status Before)> StopAsync(string? userId, Guid id, CancellationToken cancellationToken)
    {
        var row = await conversations.FindAnyAsync(userId, id, cancellationToken);
        return row is null ? (false, V0Status.Stopped) : (true, await StopAsync(row, cancellationToken));
    }

    /// <summary>Sets the title (trimmed) and tells the conversation's sockets; false when unknown.</summary>
    public async Task<bool> RenameAsync(string? userId, Guid id, string title, CancellationToken cancellationToken)
    {
        var row = await conversations.FindAnyAsync(userId, id, cancellationToken);
        if (row is null)
            return false;
        title = title.Trim();
        if (row.Version != Version)
        {
            var body = JsonSerializer.SerializeToElement(new JsonObject { ["title"] = title }, DeckhandJson.Wire.JsonObject);
            await v1.UpdateAsync(userId, id, body, cancellationToken);
        }
        else
            await conversations.SaveAsync(row with { Title = title, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        rooms.Emit(id, V0Payloads.TitleUpdate(Ids.Hex(id), title));
        return true;
    }

    /// <summary>
    /// Deletes a conversation: a V1 one as <c>DELETE /api/v1/app-conversations</c> does; a V0 one is stopped, its rows and
    /// event copy removed, and its sandbox deleted once no other conversation uses it. False when unknown.
    /// </summary>
    public async Task<bool> DeleteAsync(string? userId, Guid id, CancellationToken cancellationToken)
    {
        var row = await conversations.FindAnyAsync(userId, id, cancellationToken);
        if (row is null)
            return false;
        if (row.Version != Version)
            return await v1.DeleteAsync(userId, id, cancellationToken);
        rooms.Emit(id, V0Projector.AgentStateChanged("stopped").ToUtf8Json());
        rooms.DisconnectAll(id);
        lifecycle.Abandon(id);
        lifecycle.Forget(id);
        var hex = Ids.Hex(id);
        await tasks.DeleteByConversationAsync(hex, cancellationToken);
        await conversations.DeleteAsync(id, cancellationToken);
        await events.DeleteConversationAsync(id, cancellationToken);
        if (!string.IsNullOrEmpty(row.SandboxId))
        {
            var sandboxId = row.SandboxId;
            background.Run("delete the sandbox of a deleted V0 conversation", async token =>
            {
                if (await conversations.CountAnyInSandboxAsync(sandboxId, token) == 0)
                    await sandboxes.DeleteAsync(null, sandboxId, token);
            });
        }
        return true;
    }

    /// <summary>
    /// The per-user cap (V0 spec §5.2): while the user already has <c>max_concurrent_conversations</c> running V0
    /// conversations (besides <paramref name="starting"/>), the least recently updated is told why and stopped.
    /// Conversations still starting are not stopped (pausing a sandbox mid-start would stall it), but they count.
    /// </summary>
    public async Task EnforceLimitAsync(string? userId, Guid starting, CancellationToken cancellationToken)
    {
        var active = new List<(AppConversationInfo Row, V0Status Status)>();
        foreach (var row in await conversations.ListVersionAsync(userId, Version, null, 0, ScanLimit, cancellationToken))
        {
            if (row.Id == starting)
                continue;
            var status = await StatusAsync(row, cancellationToken);
            if (status.IsActive)
                active.Add((row, status));
        }
        var excess = active.Count - (options.MaxConcurrentConversations - 1);
        foreach (var (row, _) in active.Where(a => a.Status == V0Status.Running).OrderBy(a => a.Row.UpdatedAt).Take(Math.Max(0, excess)))
        {
            rooms.Emit(row.Id, V0Payloads.StatusUpdate("error", TooManyConversations,
                $"This conversation was stopped because you have more than {options.MaxConcurrentConversations} running at once. "
                + "Open it again and send a message to pick up where it left off."));
            await StopAsync(row, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "V0 conversation {ConversationId} stopped")]
    private static partial void LogStopped(ILogger logger, string conversationId);
}

/// <summary>What a V0 create (or a restart of one) starts: the id, the V1 start request, its extras, and a title to begin with.</summary>
public sealed record V0CreatePlan(Guid ConversationId, AppConversationStartRequest Request, StartExtras Extras, string? Title);
