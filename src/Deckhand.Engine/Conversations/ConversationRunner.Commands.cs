using Deckhand.Engine.Agent;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;

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
    /// </summary>
    public async Task<MessageEvent> SendMessageAsync(Message message, bool run, CancellationToken cancellationToken = default)
    {
        var userMessage = new MessageEvent { Source = EventSource.User, LlmMessage = message with { Role = MessageRole.User } };
        await _gate.WaitAsync(cancellationToken);
        try
        {
            AppendLocked([userMessage], state => state with
            {
                LastUserMessageId = userMessage.Id,
                ExecutionStatus = state.ExecutionStatus is ExecutionStatus.Finished or ExecutionStatus.Stuck
                    ? ExecutionStatus.Idle
                    : state.ExecutionStatus,
            }, meta => meta.Title is null && meta.Autotitle ? meta with { Title = Titles.FromMessage(message.Text()) } : meta);
            if (run)
                StartLoopLocked();
            return userMessage;
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

    /// <summary>Changes the title (catalogue) and/or replaces the tags (state).</summary>
    public async Task UpdateAsync(string? title, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            AppendLocked([],
                tags is null ? null : s => s with { Tags = new Dictionary<string, string>(tags) },
                title is null ? null : m => m with { Title = title });
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Titles made from the first user message, without spending an LLM call.</summary>
internal static class Titles
{
    public const int MaxLength = 50;

    public static string? FromMessage(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        if (line.Length == 0)
            return null;
        return line.Length <= MaxLength ? line : string.Concat(line.AsSpan(0, MaxLength - 1).TrimEnd(), "…");
    }
}
