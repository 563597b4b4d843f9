using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Secrets;

namespace Deckhand.Engine.Conversations;

public sealed partial class ConversationRunner
{
    private const int HistoryPageSize = 1000;

    /// <summary>The code of the error recorded when the loop check stops a run (OpenHands V0's name for it).</summary>
    public const string StuckCode = "AgentStuckInLoopError";

    private bool _loopActive;
    private bool _interruptRequested;
    private bool _rerunRequested;
    /// <summary>A user message asked for a run while a step was under way: the step did not see it, so the run goes on
    /// even if that step finished the turn.</summary>
    private bool _messageDuringStep;
    private Task _loopTask = Task.CompletedTask;
    private CancellationTokenSource? _loopCts;
    private List<Event>? _history;

    public bool IsRunning => _loopActive;

    /// <summary>The running loop, for callers that must wait for it to end (tests, shutdown).</summary>
    public Task LoopTask => _loopTask;

    private RunStart StartLoopLocked()
    {
        if (_loopActive)
        {
            _rerunRequested = true;
            return RunStart.AlreadyRunning;
        }
        // Flip to running now, not when the loop first gets the gate, so a client that reads right after /run sees it.
        if (_snapshot.State.ExecutionStatus is not (ExecutionStatus.Finished or ExecutionStatus.Running))
            AppendLocked([], s => s with { ExecutionStatus = ExecutionStatus.Running });
        _loopActive = true;
        _interruptRequested = false;
        _rerunRequested = false;
        _messageDuringStep = false;
        _loopCts = new CancellationTokenSource();
        var token = _loopCts.Token;
        _loopTask = Task.Run(() => LoopAsync(token), CancellationToken.None);
        return RunStart.Started;
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        // max_iterations counts the steps of this run only: every run (and every message that starts one) gets the full
        // allowance again (spec §4.1 h).
        var iterations = 0;
        var first = true;
        var outcome = StepOutcome.Continue;
        try
        {
            while (true)
            {
                IReadOnlyList<Event> view;
                await _gate.WaitAsync(CancellationToken.None);
                try
                {
                    var status = _snapshot.State.ExecutionStatus;
                    // StartLoopLocked set the status to running (unless the conversation was finished); after that the loop
                    // goes on while running, or idle because a message arrived mid-step. A step that left calls waiting
                    // for confirmation ends the run, unless the user already accepted them (running again) or sent a
                    // message asking for a run meanwhile.
                    var proceed = status is ExecutionStatus.Running
                        || status is ExecutionStatus.Idle && (_rerunRequested || !first && outcome != StepOutcome.AwaitingConfirmation)
                        || status is ExecutionStatus.Finished && _messageDuringStep;
                    _rerunRequested = false;
                    _messageDuringStep = false;
                    // Spec §4.1 g: the budget is checked before each LLM call, so the call that crossed it is the last.
                    if (proceed && !cancellationToken.IsCancellationRequested && BudgetExceededLocked() is { } budgetError)
                    {
                        AppendLocked([budgetError], s => s with { ExecutionStatus = ExecutionStatus.Error });
                        proceed = false;
                    }
                    _history ??= LoadHistory();
                    if (proceed && !cancellationToken.IsCancellationRequested && !StuckCheckLocked())
                        proceed = false;
                    if (!proceed || cancellationToken.IsCancellationRequested)
                    {
                        EngineLog.RunEnded(_logger, Id, _snapshot.State.ExecutionStatus.Wire(), iterations);
                        _loopActive = false;
                        _history = null;
                        PublishFullState();
                        return;
                    }
                    first = false;
                    if (_snapshot.State.ExecutionStatus != ExecutionStatus.Running)
                        AppendLocked([], s => s with { ExecutionStatus = ExecutionStatus.Running });
                    view = [.. _history];
                }
                finally
                {
                    _gate.Release();
                }

                outcome = await _agent.StepAsync(this, view, cancellationToken);
                iterations++;

                if (outcome == StepOutcome.Continue && iterations >= _snapshot.State.MaxIterations)
                    await StopAtIterationLimitAsync(iterations);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await EndLoopAsync(() => CloseInterruptedLocked());
        }
        catch (Exception ex)
        {
            EngineLog.RunFailed(_logger, Id, ex is LlmException llm ? llm.Code : ex.GetType().Name, MaskedException.From(ex, Secrets.Masker));
            await EndLoopAsync(() => FailLocked(ex));
        }
    }

    /// <summary>
    /// Spec §4.1 c, before each step: sends the one-time warning about a repeated failing call, or, when the agent is
    /// going round in circles, records why and sets the status to <c>stuck</c>. Returns false when the run must stop.
    /// </summary>
    private bool StuckCheckLocked()
    {
        if (!_snapshot.State.StuckDetection)
            return true;
        var verdict = StuckDetector.Check(_history!);
        if (verdict.Nudge is { } nudge)
            AppendLocked([nudge], null);
        if (!verdict.IsStuck)
            return true;
        EngineLog.Stuck(_logger, Id);
        AppendLocked([Error(StuckCode, verdict.Reason + " The run was stopped so it does not keep spending tokens; "
                + "send a message to continue, ideally with a hint about what to do differently.")],
            s => s with { ExecutionStatus = ExecutionStatus.Stuck });
        return false;
    }

    /// <summary>The <c>MaxBudgetReached</c> error when the summed cost has reached the budget, else null.</summary>
    private ConversationErrorEvent? BudgetExceededLocked()
    {
        var stats = _snapshot.State.Stats;
        if (UsageStats.Budget(stats) is not { } budget)
            return null;
        var cost = UsageStats.TotalCost(stats);
        if (cost < budget)
            return null;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return Error("MaxBudgetReached", string.Create(c,
            $"Agent reached maximum budget limit (${budget:F4}); accumulated cost ${cost:F4}. "
            + $"Raise it with PATCH /api/conversations/{Id} {{\"max_budget_per_task\": <USD>}}, then POST /run to continue."));
    }

    private async Task StopAtIterationLimitAsync(int iterations)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (_snapshot.State.ExecutionStatus is ExecutionStatus.Running or ExecutionStatus.Idle)
            {
                AppendLocked([Error("MaxIterationsReached", $"The agent reached its limit of {iterations} steps for this run. Send a message or POST /run to continue.")],
                    s => s with { ExecutionStatus = ExecutionStatus.Error });
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends the loop after an interrupt or failure, under the gate, then honours a run requested meanwhile.</summary>
    private async Task EndLoopAsync(Action record)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            try
            {
                if (!_closed)
                    record();
            }
            catch (Exception ex)
            {
                // Even if the outcome cannot be recorded (e.g. the disk is full), the loop must not stay marked as
                // running: that would wedge the conversation. The stored status is what a restart recovers from.
                EngineLog.RunFailed(_logger, Id, "RecordingFailed", MaskedException.From(ex, Secrets.Masker));
            }
            _loopActive = false;
            _history = null;
            PublishFullState();
            if (_rerunRequested && !_closed && _snapshot.State.ExecutionStatus == ExecutionStatus.Idle)
                StartLoopLocked();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void CloseInterruptedLocked()
    {
        var errors = CloseUnmatchedLocked("The tool call was interrupted before it completed; the conversation was paused.",
            ErrorClassification.Internal);
        Event[] events = _interruptRequested ? [.. errors, new InterruptEvent()] : [.. errors];
        AppendLocked(events, s => s with { ExecutionStatus = ExecutionStatus.Paused });
    }

    private void FailLocked(Exception ex)
    {
        var code = ex is LlmException llm ? llm.Code : ex.GetType().Name;
        var errors = CloseUnmatchedLocked($"The tool call did not complete: {ex.Message}", ErrorClassification.Internal);
        AppendLocked([.. errors, Error(code, ex.Message)], s => s with { ExecutionStatus = ExecutionStatus.Error });
    }

    /// <summary>Error results for actions that never got one, so the model's history stays well-formed.</summary>
    private List<Event> CloseUnmatchedLocked(string message, ErrorClassification classification)
    {
        var history = _history ?? LoadHistory();
        return [.. History.Unmatched(history).Select(a => (Event)new AgentErrorEvent
        {
            ParentId = a.Id,
            ToolName = a.ToolName,
            ToolCallId = a.ToolCallId,
            Error = message,
            Classification = classification,
        })];
    }

    /// <summary>
    /// Crash recovery: a conversation stored as running when the server started was cut off. Its open actions are
    /// closed with an error result and it is set to <c>error</c> with the reason, so <c>/run</c> continues it.
    /// </summary>
    /// <returns>How many open tool calls were closed, or null when the conversation did not need recovery.</returns>
    internal async Task<int?> RecoverAfterRestartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_snapshot.State.ExecutionStatus != ExecutionStatus.Running)
                return null;
            var errors = CloseUnmatchedLocked(
                "The server restarted while this tool was running, so it did not complete. Check its effects before retrying.",
                ErrorClassification.Internal);
            AppendLocked([.. errors, Error("ServerRestarted",
                    "The server restarted while this conversation was running. POST /run (or send a message) to continue.")],
                s => s with { ExecutionStatus = ExecutionStatus.Error });
            _history = null;
            return errors.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Cancels a run and waits for it to wind down (delete, unload, shutdown).</summary>
    internal async Task StopRunAsync(TimeSpan timeout)
    {
        Task loop;
        await _gate.WaitAsync();
        try
        {
            loop = _loopTask;
            _rerunRequested = false;
            _loopCts?.Cancel();
        }
        finally
        {
            _gate.Release();
        }
        await loop.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private List<Event> LoadHistory()
    {
        var history = new List<Event>();
        long after = 0;
        while (true)
        {
            var page = _store.ReadEvents(Id, after, HistoryPageSize);
            history.AddRange(page.Select(p => p.Event).Where(History.IsRelevant));
            if (page.Count < HistoryPageSize)
                return history;
            after = page[^1].Seq;
        }
    }

    private static ConversationErrorEvent Error(string code, string detail) => new()
    {
        Code = code,
        Detail = detail,
        Classification = ErrorClassification.ForConversationError(code, detail),
    };
}
