using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Agent;

namespace Deckhand.Engine.Conversations;

public sealed partial class ConversationRunner
{
    /// <summary>Replaces the confirmation policy; it applies from the next batch of tool calls, also mid-run.</summary>
    public async Task SetConfirmationPolicyAsync(ConfirmationPolicy policy, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            AppendLocked([], s => s with { ConfirmationPolicy = policy });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Replaces the security analyzer (null removes it); it rates the calls of the next LLM response on.</summary>
    public async Task SetSecurityAnalyzerAsync(SecurityAnalyzer? analyzer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            AppendLocked([], s => s with { SecurityAnalyzer = analyzer });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The user's answer to calls waiting for confirmation (spec §1.4.2). Accept: the run continues and its first step
    /// executes them ("already running" is fine). Reject: each waiting call gets a <see cref="UserRejectObservation"/>
    /// with <paramref name="reason"/>, the status becomes idle, and nothing runs until the next message or <c>/run</c>.
    /// </summary>
    public async Task RespondToConfirmationAsync(bool accept, string reason, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfClosed();
            if (accept)
            {
                // A loop still winding down after the step that asked sees "running" and goes on with the calls.
                if (_snapshot.State.ExecutionStatus == ExecutionStatus.WaitingForConfirmation)
                    AppendLocked([], s => s with { ExecutionStatus = ExecutionStatus.Running });
                StartLoopLocked();
                return;
            }
            // Only calls that are waiting can be refused; a call that is already running is past the gate.
            if (_snapshot.State.ExecutionStatus != ExecutionStatus.WaitingForConfirmation)
                return;
            var pending = History.Unmatched(_history ?? LoadHistory()).Where(a => a.Action is not null);
            var rejections = pending.Select(a => (Event)new UserRejectObservation
            {
                ParentId = a.Id,
                ToolName = a.ToolName,
                ToolCallId = a.ToolCallId,
                ActionId = a.Id,
                RejectionReason = reason,
                RejectionSource = "user",
            }).ToList();
            AppendLocked(rejections, s => s with { ExecutionStatus = ExecutionStatus.Idle });
        }
        finally
        {
            _gate.Release();
        }
    }
}
