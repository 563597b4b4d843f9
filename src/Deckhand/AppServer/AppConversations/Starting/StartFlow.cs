using System.Threading.Channels;
using Deckhand.AppServer.AppConversations.Messages;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Settings;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Status = Deckhand.Contracts.AppServer.AppConversationStartTaskStatus;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>
/// The start flow of V1 spec §5, from a saved <c>WORKING</c> task to <c>READY</c> or <c>ERROR</c>: get a sandbox, prepare
/// the repository, run its setup script, install its git hooks, gather the user's skills, create the conversation in
/// the sandbox's agent-server, record it in the catalogue, then deliver messages queued meanwhile. Every status is saved
/// before it is published to the observer (<c>stream-start</c>); an error names the step it happened in and its cause.
/// </summary>
public sealed partial class StartFlow(
    StartTaskRepository tasks, AppConversationInfoRepository conversations, EventCallbackRegistrations callbacks,
    SandboxService sandboxes, SandboxAgents agents, RepositoryPreparer repositories, WorkspaceScripts scripts,
    ISettingsRepository settingsStore, ISecretRepository secrets, PendingMessageDelivery delivery, BackgroundWork background,
    Events.ConversationEventStore events, AppServerOptions options, TimeProvider time, ILogger<StartFlow> logger)
{
    public async Task RunAsync(AppConversationStartTask task, ChannelWriter<AppConversationStartTask>? observer, CancellationToken cancellationToken,
        StartExtras? extras = null)
    {
        var run = new Run(task, observer) { Extras = extras };
        try
        {
            await ExecuteAsync(run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping: the task stays in its status and is settled at the next start.
        }
        catch (Exception ex)
        {
            var cause = ex is StartStepException or SandboxStartException or AgentServerException or HttpRequestException
                ? ex.Message
                : $"{ex.GetType().Name}: {ex.Message}";
            LogFailed(logger, task.Id, StartTaskRepository.StatusName(run.Current.Status), cause);
            await FailAsync(run, cause);
        }
        finally
        {
            observer?.TryComplete();
        }
    }

    private async Task ExecuteAsync(Run run, CancellationToken cancellationToken)
    {
        var userId = run.Current.CreatedByUserId;
        var request = run.Current.Request;
        var settings = await settingsStore.GetAsync(userId, cancellationToken) ?? new UserSettings();
        if (ConversationRequestBuilder.Model(request, settings) is null)
            throw new StartStepException("No LLM model is configured: save llm_model (and llm_api_key, llm_base_url) with POST /api/settings, or pass llm_model.");

        var sandbox = await AcquireSandboxAsync(run, userId, request.SandboxId, cancellationToken);
        var agent = agents.For(sandbox) ?? throw new StartStepException($"Sandbox {sandbox.Id} has no agent-server URL.");

        await AdvanceAsync(run, Status.PreparingRepository, cancellationToken);
        var workspace = sandboxes.WorkingDirectory(sandbox);
        var prepared = await repositories.PrepareAsync(userId, request, settings, workspace, cancellationToken);

        await AdvanceAsync(run, Status.RunningSetupScript, cancellationToken);
        await scripts.RunSetupScriptAsync(agent, prepared.ProjectDir, cancellationToken);

        await AdvanceAsync(run, Status.SettingUpGitHooks, cancellationToken);
        scripts.InstallGitHooks(prepared.ProjectDir);

        await AdvanceAsync(run, Status.SettingUpSkills, cancellationToken);
        var userSkills = UserSkills.Load(Path.Combine(options.DataDir, "skills"));

        await AdvanceAsync(run, Status.StartingConversation, cancellationToken, t => t with { AgentServerUrl = sandbox.AgentUrl });
        var extras = run.Extras;
        var conversationId = extras?.ConversationId ?? Guid.NewGuid();
        var startRequest = ConversationRequestBuilder.Build(new ConversationInputs
        {
            ConversationId = conversationId,
            Request = request,
            Settings = settings,
            ProjectDir = prepared.ProjectDir,
            CustomSecrets = await secrets.GetValuesAsync(userId, cancellationToken),
            GitToken = prepared.Token,
            UserSkills = userSkills,
            ConversationInstructions = extras?.ConversationInstructions,
            McpConfig = extras?.McpConfig,
            ReplayJson = extras?.ReplayJson,
        });
        var (info, _) = await agent.CreateConversationAsync(startRequest, cancellationToken);

        var now = time.GetUtcNow();
        // A row made before the start (the V0 facade's) keeps its title (it may have been renamed meanwhile) and version.
        var existing = extras is null ? null : await conversations.FindAnyAsync(null, info.Id, cancellationToken);
        await conversations.SaveAsync(new AppConversationInfo
        {
            Id = info.Id,
            CreatedByUserId = userId,
            SandboxId = sandbox.Id,
            SelectedRepository = request.SelectedRepository,
            SelectedBranch = request.SelectedBranch,
            GitProvider = request.GitProvider,
            Title = existing?.Title ?? "Conversation " + Ids.Hex(info.Id),
            Trigger = request.Trigger,
            PrNumber = request.PrNumber,
            LlmModel = startRequest.Agent!.Llm.Model,
            ParentConversationId = Ids.TryParse(request.ParentConversationId, out var parent) ? parent : null,
            MaxBudgetPerTask = settings.MaxBudgetPerTask,
            CreatedAt = now,
            UpdatedAt = now,
            Version = extras?.Version ?? "V1",
        }, cancellationToken);
        if (extras?.Abandoned.IsCancellationRequested == true)
            await UndoAbandonedAsync(run, sandbox, agent, info.Id);
        await callbacks.AddAsync(info.Id, EventCallbackRegistrations.Resolve(request.Processors), cancellationToken);

        await AdvanceAsync(run, Status.Ready, cancellationToken, t => t with { AppConversationId = Ids.Hex(info.Id) });
        LogReady(logger, run.Current.Id, Ids.Hex(info.Id), sandbox.Id);
        delivery.DeliverInBackground(run.Current.Id);
    }

    /// <summary>
    /// The conversation was deleted while it started: remove the agent-server conversation and the sandbox this run
    /// started (first, so no webhook can write the row again), then the row and events a webhook may have written.
    /// Always throws, ending the task in <c>ERROR</c>.
    /// </summary>
    private async Task UndoAbandonedAsync(Run run, SandboxRecord sandbox, Client.AgentServerClient agent, Guid conversationId)
    {
        try
        {
            if (run.StartedSandbox)
            {
                await sandboxes.DeleteAsync(run.Current.CreatedByUserId, sandbox.Id, CancellationToken.None);
                run.StartedSandbox = false;
            }
            else
                await agent.DeleteConversationAsync(conversationId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Client.AgentServerException or HttpRequestException)
        {
        }
        await conversations.DeleteAsync(conversationId, CancellationToken.None);
        await events.DeleteConversationAsync(conversationId, CancellationToken.None);
        throw new StartStepException("the conversation was deleted while it was starting.");
    }

    /// <summary><c>WAITING_FOR_SANDBOX</c>: the requested sandbox (resumed if paused or gone), or a new one; returns it running.</summary>
    private async Task<SandboxRecord> AcquireSandboxAsync(Run run, string? userId, string? sandboxId, CancellationToken cancellationToken)
    {
        if (sandboxId is null)
        {
            await sandboxes.StartAsync(userId, null,
                async id =>
                {
                    run.StartedSandbox = true;
                    await AdvanceAsync(run, Status.WaitingForSandbox, cancellationToken, t => t with { SandboxId = id });
                }, cancellationToken);
            return await sandboxes.FindAsync(userId, run.Current.SandboxId!, cancellationToken)
                ?? throw new StartStepException($"Sandbox not found: {run.Current.SandboxId} (deleted while it started).");
        }

        if (await sandboxes.FindAsync(userId, sandboxId, cancellationToken) is null)
            throw new StartStepException($"Sandbox not found: {sandboxId}");
        await AdvanceAsync(run, Status.WaitingForSandbox, cancellationToken, t => t with { SandboxId = sandboxId });
        var deadline = time.GetUtcNow() + options.SandboxStartupTimeout;
        while (true)
        {
            var info = await sandboxes.GetAsync(userId, sandboxId, cancellationToken)
                ?? throw new StartStepException($"Sandbox not found: {sandboxId}");
            switch (info.Status)
            {
                case SandboxStatus.Running:
                    return await sandboxes.FindAsync(userId, sandboxId, cancellationToken)
                        ?? throw new StartStepException($"Sandbox not found: {sandboxId}");
                case SandboxStatus.Paused or SandboxStatus.Missing:
                    // A missing process sandbox starts again with its workspace: Deckhand can continue it.
                    await sandboxes.ResumeAsync(userId, sandboxId, cancellationToken);
                    break;
                case SandboxStatus.Error:
                    throw new StartStepException($"Sandbox {sandboxId} is in ERROR: its agent-server does not answer.");
            }
            if (time.GetUtcNow() >= deadline)
                throw new StartStepException($"Sandbox failed to start: {sandboxId} was not running after {options.SandboxStartupTimeout.TotalSeconds:0} s.");
            await Task.Delay(options.SandboxPollInterval, cancellationToken);
        }
    }

    private async Task AdvanceAsync(Run run, Status status, CancellationToken cancellationToken,
        Func<AppConversationStartTask, AppConversationStartTask>? change = null)
    {
        var next = (change?.Invoke(run.Current) ?? run.Current) with { Status = status, UpdatedAt = time.GetUtcNow() };
        await tasks.SaveAsync(next, cancellationToken);
        run.Current = next;
        run.Observer?.TryWrite(next);
    }

    /// <summary>Saves <c>ERROR</c> with the step it happened in, and stops a sandbox this run started and nothing uses.</summary>
    private async Task FailAsync(Run run, string cause)
    {
        var step = StartTaskRepository.StatusName(run.Current.Status);
        try
        {
            await AdvanceAsync(run, Status.Error, CancellationToken.None, t => t with { Detail = $"{step}: {cause}" });
        }
        catch (Exception ex)
        {
            LogSaveFailed(logger, run.Current.Id, ex.Message);
        }
        if (run.StartedSandbox && run.Current.SandboxId is { } sandboxId)
        {
            var userId = run.Current.CreatedByUserId;
            background.Run("delete the sandbox of a failed start", async token =>
            {
                if (await conversations.CountInSandboxAsync(sandboxId, token) == 0)
                    await sandboxes.DeleteAsync(userId, sandboxId, token);
            });
        }
    }

    /// <summary>One execution of the flow: the task as it now stands, who watches it, and what the flow set up so far.</summary>
    private sealed class Run(AppConversationStartTask task, ChannelWriter<AppConversationStartTask>? observer)
    {
        public AppConversationStartTask Current { get; set; } = task;
        public ChannelWriter<AppConversationStartTask>? Observer { get; } = observer;
        public bool StartedSandbox { get; set; }
        public StartExtras? Extras { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start task {TaskId} failed at {Step}: {Cause}")]
    private static partial void LogFailed(ILogger logger, string taskId, string step, string cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Start task {TaskId} is ready: conversation {ConversationId} in sandbox {SandboxId}")]
    private static partial void LogReady(ILogger logger, string taskId, string conversationId, string sandboxId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Start task {TaskId}: could not save its ERROR status: {Reason}")]
    private static partial void LogSaveFailed(ILogger logger, string taskId, string reason);
}
