using Deckhand.Contracts.Conversations;

namespace Deckhand.V0.Events;

/// <summary>V0 <c>AgentState</c> values (spec §2.6) and how Deckhand's execution status maps onto them.</summary>
public static class V0AgentStates
{
    public const string Loading = "loading";
    public const string Running = "running";
    public const string AwaitingUserInput = "awaiting_user_input";
    public const string Paused = "paused";
    public const string Stopped = "stopped";
    public const string Finished = "finished";
    public const string Rejected = "rejected";
    public const string Error = "error";
    public const string AwaitingUserConfirmation = "awaiting_user_confirmation";
    public const string UserConfirmed = "user_confirmed";
    public const string UserRejected = "user_rejected";
    public const string RateLimited = "rate_limited";

    public static IReadOnlyList<string> All { get; } =
    [
        Loading, Running, AwaitingUserInput, Paused, Stopped, Finished, Rejected, Error, AwaitingUserConfirmation,
        UserConfirmed, UserRejected, RateLimited,
    ];

    /// <summary>
    /// The V0 state for an execution status; null for <c>deleting</c>, which V0 has no state for. <c>finished</c> after a
    /// plain reply is <c>awaiting_user_input</c>, as in V0 (only the finish tool makes the agent <c>finished</c>).
    /// </summary>
    public static string? From(ExecutionStatus status, bool endedWithReply = false) => status switch
    {
        ExecutionStatus.Idle => AwaitingUserInput,
        ExecutionStatus.Running => Running,
        ExecutionStatus.Paused => Paused,
        ExecutionStatus.WaitingForConfirmation => AwaitingUserConfirmation,
        ExecutionStatus.Finished => endedWithReply ? AwaitingUserInput : Finished,
        ExecutionStatus.Error or ExecutionStatus.Stuck => Error,
        _ => null,
    };
}
