using Deckhand.Engine.Agent;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Secrets;
using Deckhand.Engine.Skills;

namespace Deckhand.Engine.Conversations;

public enum RunStart
{
    Started,
    AlreadyRunning,
}

public sealed partial class ConversationRunner
{
    /// <summary>
    /// Appends a user message. A finished or stuck conversation becomes idle so a run continues it. With
    /// <paramref name="run"/>, starts a run unless one is going, in which case the running loop picks the message up
    /// at its next step (it is appended under the same gate the loop decides under, so it is never missed).
    /// Keyword skills the message mentions (each once per conversation) and the agent context's
    /// <c>user_message_suffix</c> are added to it as <c>extended_content</c>.
    /// </summary>
    public async Task<MessageEvent> SendMessageAsync(Message message, bool run, CancellationToken cancellationToken = default)
    {
        var skills = _agent.Skills; // read from disk (first time only) before taking the gate
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var activated = _snapshot.State.ActivatedKnowledgeSkills;
            var matches = skills.Match(message.Text(), activated);
            var extension = SkillPrompt.Extension(matches, _agent.Context.UserMessageSuffix);
            var userMessage = new MessageEvent
            {
                Source = EventSource.User,
                LlmMessage = message with { Role = MessageRole.User },
                ActivatedSkills = [.. matches.Select(m => m.Skill.Name)],
                ExtendedContent = extension is null ? [] : [new TextContent(extension)],
            };
            var titleFrom = NeedsTitleLocked(message) is { } t ? Secrets.Mask(t) : null;
            var stored = AppendLocked([userMessage], state => state with
            {
                LastUserMessageId = userMessage.Id,
                ExecutionStatus = state.ExecutionStatus is ExecutionStatus.Finished or ExecutionStatus.Stuck
                    ? ExecutionStatus.Idle
                    : state.ExecutionStatus,
                ActivatedKnowledgeSkills = matches.Count == 0
                    ? state.ActivatedKnowledgeSkills
                    : [.. state.ActivatedKnowledgeSkills, .. matches.Select(m => m.Skill.Name)],
            }, titleFrom is null || _agent.LlmTitles ? null : meta => meta with { Title = Titles.FromMessage(titleFrom) });
            if (titleFrom is not null && _agent.LlmTitles)
                StartTitleLocked(titleFrom);
            if (run)
            {
                _messageDuringStep |= _loopActive;
                StartLoopLocked();
            }
            return (MessageEvent)stored[0].Event;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// <c>POST /secrets</c>: adds or replaces secrets by name. From now on they are exported to the terminal when a
    /// command names them and masked in everything appended.
    /// </summary>
    public async Task UpdateSecretsAsync(IReadOnlyDictionary<string, SecretSource> update, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfClosed();
            var merged = SecretInput.Merge(_snapshot.State.SecretRegistry.SecretSources, update);
            // The masker learns the new values before anything else is appended.
            Secrets.Update(merged);
            AppendLocked([], s => s with { SecretRegistry = new SecretRegistry { SecretSources = merged } });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the agent loop in the background and returns at once.</summary>
    public async Task<RunStart> RunAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfClosed();
            return StartLoopLocked();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Pauses at the next step boundary (an in-flight LLM call or tool finishes first). Only from idle or running.</summary>
    /// <summary>
    /// <c>POST /condense</c>: records a <c>CondensationRequest</c>. A running loop handles it at its next step;
    /// otherwise it is handled here, synchronously, by one agent step that only condenses.
    /// </summary>
    /// <returns>False, recording nothing, when the agent has no condenser to handle the request.</returns>
    public async Task<bool> CondenseAsync(CancellationToken cancellationToken = default)
    {
        if (_agent.Condenser is null)
            return false;
        List<Event> history;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            AppendLocked([new CondensationRequest()], null);
            if (_loopActive)
                return true;
            history = LoadHistory();
        }
        finally
        {
            _gate.Release();
        }
        await _agent.StepAsync(this, history, cancellationToken);
        return true;
    }

    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot.State.ExecutionStatus is ExecutionStatus.Idle or ExecutionStatus.Running)
                AppendLocked([new PauseEvent()], s => s with { ExecutionStatus = ExecutionStatus.Paused });
            PublishFullState();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Cancels the in-flight LLM call or tool now; the conversation ends paused. Without a run, same as pause.</summary>
    public async Task InterruptAsync(CancellationToken cancellationToken = default)
    {
        Task? loop;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            loop = _loopActive ? _loopTask : null;
            _interruptRequested = loop is not null;
            _loopCts?.Cancel();
        }
        finally
        {
            _gate.Release();
        }
        if (loop is null)
        {
            await PauseAsync(cancellationToken);
            return;
        }
        await loop.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Sets the conversation's budget (USD, its stats' <c>max_budget_per_task</c>). Raising it does not restart a run
    /// stopped by <c>MaxBudgetReached</c>: <c>POST /run</c> does.
    /// </summary>
    public async Task SetBudgetAsync(double budget, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            AppendLocked([], s => s with { Stats = UsageStats.WithBudget(s.Stats, s.Agent.Llm, budget) }, setsBudget: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Changes the title (catalogue), replaces the tags and/or sets the per-run step limit (state).</summary>
    public async Task UpdateAsync(string? title, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken = default,
        int? maxIterations = null)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            AppendLocked([],
                tags is null && maxIterations is null ? null : s => s with
                {
                    Tags = tags is null ? s.Tags : new Dictionary<string, string>(tags),
                    MaxIterations = maxIterations ?? s.MaxIterations,
                },
                title is null ? null : m => m with { Title = title });
        }
        finally
        {
            _gate.Release();
        }
    }
}
