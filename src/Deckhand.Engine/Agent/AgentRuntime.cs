using System.Diagnostics;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Agent.Condensers;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Llm.Resilience;
using Deckhand.Engine.Replay;
using Deckhand.Engine.Secrets;
using Deckhand.Engine.Skills;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.Mcp;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Agent;

/// <summary>
/// The agent of one conversation: its LLM client and tools, and <see cref="StepAsync"/>, one turn of the loop —
/// ask the model, record what it answered, run the tool calls, record their results.
/// </summary>
internal sealed class AgentRuntime(ConversationState state, ILlmClientFactory llmFactory, ToolRegistry registry, EngineOptions options,
    ConversationSecrets secrets, ILogger? logger = null) : IDisposable
{
    /// <summary>The usage id of summary calls, as OpenHands names it.</summary>
    public const string CondenserUsageId = "condenser";

    public const string NudgeText =
        "Your last reply had neither a tool call nor a message. Call a tool to continue the task, or call `finish` when you are done.";

    private readonly Lazy<IChatClient> _llm = new(() => llmFactory.Create(state.Agent.Llm));
    private readonly LlmConfig _llmConfig = state.Agent.Llm;
    private readonly Condenser? _condenser = CondenserSettings.For(state.Agent) is { } settings
        ? new Condenser(settings, new Lazy<IChatClient>(() => llmFactory.Create(settings.Llm)))
        : null;

    /// <summary>The context-window error that asked for the pending condensation, if this process saw it.</summary>
    private LlmException? _contextError;

    private readonly MessageBuilder _messages = new();
    private ChatOptions? _chatOptions;

    /// <summary>Where this conversation's tools run.</summary>
    public ToolContext ToolContext { get; } =
        new(state.Id, state.Workspace.WorkingDir, options.PersistenceDirFor(state.Id), options.Isolation, secrets);

    /// <summary>What the conversation's <c>agent.agent_context</c> asks for.</summary>
    public AgentContextSettings Context { get; } = AgentContextSettings.From(state.Agent.AgentContext);

    private SkillSet? _skills;

    /// <summary>The conversation's skills, read from disk on first use (once per load of the conversation).</summary>
    public SkillSet Skills
    {
        get
        {
            if (Volatile.Read(ref _skills) is { } loaded)
                return loaded;
            var skills = SkillLoader.Load(state.Workspace.WorkingDir, options.UserSkillsDir, Context);
            if (Interlocked.CompareExchange(ref _skills, skills, null) is { } raced)
                return raced;
            foreach (var broken in skills.Broken)
                SkillLog.Invalid(logger ?? NullLogger.Instance, state.Id, broken.Source, broken.Error!);
            return skills;
        }
    }

    /// <summary>The agent's own tools (<c>agent.tools</c>, then the built-ins), then the tools of its MCP servers that are ready.</summary>
    public IReadOnlyList<ITool> Tools
    {
        get
        {
            var own = _tools ??= registry.Resolve(state.Agent.Tools.Select(t => t.Name), ToolContext);
            if (_mcp is null)
                return own;
            var mcp = _mcp.Tools;
            var combined = _combined;
            if (combined is null || !ReferenceEquals(combined.Mcp, mcp))
                _combined = combined = new CombinedTools(mcp, mcp.Count == 0 ? own : [.. own, .. mcp]);
            return combined.All;
        }
    }

    public int ToolConcurrencyLimit => state.Agent.ToolConcurrencyLimit;

    /// <summary>The conversation's MCP servers, or null when its agent has none.</summary>
    public McpServers? Mcp => _mcp;

    private IReadOnlyList<ITool>? _tools;
    private readonly McpServers? _mcp = McpServers.For(state, options, logger);
    private CombinedTools? _combined;
    private IReadOnlyList<ITool>? _chatOptionsTools;

    private sealed record CombinedTools(IReadOnlyList<ITool> Mcp, IReadOnlyList<ITool> All);

    /// <summary>
    /// Starts the MCP servers in the background (once): at creation, or at the first step of a reloaded conversation.
    /// Failures are recorded in <paramref name="conversation"/>.
    /// </summary>
    public void StartMcp(ConversationRunner conversation) =>
        _mcp?.Start((_tools ??= registry.Resolve(state.Agent.Tools.Select(t => t.Name), ToolContext)).Select(t => t.Name),
            events => conversation.AppendAsync(events));

    /// <summary>The agent's model client, for side calls (title, ask_agent) that are not steps.</summary>
    internal IChatClient Llm => _llm.Value;

    internal LlmConfig LlmConfig => _llmConfig;

    internal bool LlmTitles => options.LlmTitles;

    /// <summary>The tools as the model is told about them.</summary>
    internal List<AITool> ToolDeclarations() =>
        [.. Tools.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(t.Name, t.Definition.Description, ToolSchema.ForModel(t)))];

    /// <summary>The first event of a conversation: our prompt and the tools, as OpenHands lists them.</summary>
    public SystemPromptEvent SystemPromptEvent(DateTimeOffset now) => new()
    {
        SystemPrompt = new TextContent(SystemPrompt.For(state)),
        DynamicContext = new TextContent(SystemPrompt.Dynamic(state, now, Skills, Context)),
        Tools = [.. Tools.Select(t => t.Definition)],
    };

    /// <summary>The condenser in force, or null when the agent does not condense (<c>NoOpCondenser</c>).</summary>
    internal Condenser? Condenser => _condenser;

    public async Task<StepOutcome> StepAsync(ConversationRunner conversation, IReadOnlyList<Event> view, CancellationToken cancellationToken)
    {
        foreach (var tool in Tools)
            (tool as IPrewarm)?.Prewarm();
        if (_mcp is not null)
        {
            // The model should see the MCP tools from its first turn: wait for servers still starting (each is bounded).
            StartMcp(conversation);
            await _mcp.WaitStartedAsync(cancellationToken);
        }
        var condensed = CondensedView.From(view);
        // Calls that waited for confirmation run first, without asking the model again (spec §4.2 step 1).
        if (History.Unmatched(view).Where(a => a.Action is not null).ToList() is { Count: > 0 } pending)
        {
            await ToolCalls.RunPendingAsync(conversation, this, pending, cancellationToken);
            return StepOutcome.Continue;
        }
        // A recorded trajectory is replayed call by call before the model is asked anything.
        if (conversation.Snapshot.Meta.Replay is { Count: > 0 } replay)
            return await ReplayStep.RunAsync(conversation, this, replay, cancellationToken);
        if (await CondenseIfNeededAsync(conversation, view, condensed, cancellationToken))
            return StepOutcome.Continue;
        var messages = _messages.Build(condensed.Events, condensed.Version);
        ChatResponse response;
        var started = Stopwatch.GetTimestamp();
        try
        {
            response = _llmConfig.Stream
                ? await LlmStreaming.GetResponseAsync(_llm.Value, messages, ChatOptions(conversation), conversation, cancellationToken)
                : await _llm.Value.GetResponseAsync(messages, ChatOptions(conversation), cancellationToken);
        }
        catch (LlmException ex) when (ex.Code == LlmException.ContextWindowExceeded)
        {
            if (_condenser is null)
            {
                throw new LlmException(ex.Code,
                    "The conversation no longer fits the model's context window and this agent does not condense (NoOpCondenser). "
                    + "Give it an LLMSummarizingCondenser or use a model with a larger context window. Provider said: " + ex.Message,
                    ex.StatusCode);
            }
            if (CondensedView.JustCondensed(view))
            {
                throw new LlmException(ex.Code,
                    "The conversation still does not fit the model's context window after it was condensed, so condensation did not help. "
                    + "Start a new conversation or use a model with a larger context window. Provider said: " + ex.Message, ex.StatusCode);
            }
            // Spec §4.2: ask for a condensation; the next step condenses (a hard reason), the one after retries the call.
            _contextError = ex;
            await conversation.AppendAsync([new CondensationRequest()], cancellationToken: CancellationToken.None);
            return StepOutcome.Continue;
        }
        var latency = Stopwatch.GetElapsedTime(started);
        var responseId = response.ResponseId ?? "resp-" + Guid.NewGuid().ToString("N")[..12];
        var stats = UsageStats.Add(conversation.Snapshot.State.Stats, _llmConfig, response, responseId, latency, DateTimeOffset.UtcNow);
        var reply = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant);
        var calls = reply?.Contents.OfType<FunctionCallContent>().ToList() ?? [];
        var text = reply is null ? "" : string.Concat(reply.Contents.OfType<Microsoft.Extensions.AI.TextContent>().Select(t => t.Text));
        var extras = ReplyExtras.From(reply);

        if (calls.Count > 0)
            return await ToolCalls.RunAsync(conversation, this, calls, text, extras, responseId, stats, cancellationToken);

        var agentMessage = new MessageEvent
        {
            Source = EventSource.Agent,
            LlmResponseId = responseId,
            LlmMessage = new Message
            {
                Role = MessageRole.Assistant,
                Content = text.Length > 0 ? [new TextContent(text)] : [],
                ReasoningContent = extras.Reasoning,
                ThinkingBlocks = extras.ThinkingBlocks,
            },
        };
        if (!string.IsNullOrWhiteSpace(text))
        {
            // A plain answer ends the turn: the agent waits for the user.
            await conversation.AppendAsync([agentMessage], s => s with { Stats = stats, ExecutionStatus = ExecutionStatus.Finished },
                CancellationToken.None);
            return StepOutcome.Continue;
        }
        // Reasoning only, or nothing at all: keep what there was and ask for a tool call or an answer.
        var nudge = new MessageEvent
        {
            Source = EventSource.Environment,
            LlmMessage = new Message { Role = MessageRole.User, Content = [new TextContent(NudgeText)] },
        };
        await conversation.AppendAsync([agentMessage, nudge], s => s with { Stats = stats }, CancellationToken.None);
        return StepOutcome.Continue;
    }

    /// <summary>
    /// Runs the condenser when it has a reason to (spec §4.6). Returns true when the step is done: a condensation was
    /// stored (the next step sees the condensed view) or a request was answered.
    /// </summary>
    private async Task<bool> CondenseIfNeededAsync(ConversationRunner conversation, IReadOnlyList<Event> view, CondensedView condensed,
        CancellationToken cancellationToken)
    {
        if (_condenser is not { } condenser)
            return false;
        var stats = conversation.Snapshot.State.Stats;
        if (condenser.Evaluate(view, condensed, UsageStats.LastCall(stats, _llmConfig.UsageId), _llmConfig) is not { } plan)
            return false;
        var settings = condenser.Settings;
        var options = new ChatOptions { MaxOutputTokens = settings.Llm.MaxOutputTokens, Temperature = (float?)settings.Llm.Temperature };
        switch (await condenser.CondenseAsync(condensed, plan, options, cancellationToken))
        {
            case Condenser.Outcome.Condensed done:
                _contextError = null;
                // The summary call costs tokens too: counted under the condenser's usage id, so budgets and totals include it.
                var withSummary = UsageStats.Add(stats, settings.Llm, done.Response, done.Event.LlmResponseId, done.Latency, DateTimeOffset.UtcNow);
                await conversation.AppendAsync([done.Event], s => s with { Stats = withSummary }, CancellationToken.None);
                return true;
            case Condenser.Outcome.Failed failed:
                throw new LlmException(failed.Error.Code,
                    "The conversation does not fit the model's context window, and even a summary of it with every event shortened "
                    + "did not fit. Provider said: " + failed.Error.Message, failed.Error.StatusCode);
            default:
                if (!CondensedView.RequestPending(view))
                    return false; // a soft reason: send the view as it is
                if (Interlocked.Exchange(ref _contextError, null) is { } cause)
                {
                    throw new LlmException(cause.Code,
                        "The conversation does not fit the model's context window and there is nothing left to condense. Provider said: "
                        + cause.Message, cause.StatusCode);
                }
                // A request with nothing to forget: mark it handled.
                await conversation.AppendAsync([new Contracts.Events.Condensation { LlmResponseId = "none" }], cancellationToken: CancellationToken.None);
                return true;
        }
    }

    private ChatOptions ChatOptions(ConversationRunner conversation)
    {
        // Rebuilt only when the tool list changes (an MCP server became ready or failed).
        var tools = Tools;
        if (_chatOptions is not null && ReferenceEquals(_chatOptionsTools, tools))
            return _chatOptions;
        _chatOptionsTools = tools;
        return _chatOptions = LlmRetryNotice.Attach(new ChatOptions
        {
            Tools = [.. tools.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(t.Name, t.Definition.Description, ToolSchema.ForModel(t)))],
            MaxOutputTokens = _llmConfig.MaxOutputTokens,
            Temperature = (float?)_llmConfig.Temperature,
            TopP = (float?)_llmConfig.TopP,
            Seed = _llmConfig.Seed,
        }, (notice, ct) => conversation.AppendAsync([notice.ToEvent()], cancellationToken: ct)); // a stored event: retries show in history
    }

    public void Dispose()
    {
        if (_llm.IsValueCreated)
            _llm.Value.Dispose();
        // Ends every MCP server process (and anything it started) with the conversation.
        _mcp?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _condenser?.Dispose();
        foreach (var tool in _tools ?? [])
        {
            switch (tool)
            {
                case IAsyncDisposable asyncDisposable:
                    asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
