namespace Deckhand.Engine.Agent;

/// <summary>How one agent step ended, for the run loop.</summary>
internal enum StepOutcome
{
    /// <summary>The loop may take another step (the status says whether it does).</summary>
    Continue,

    /// <summary>The step recorded tool calls that wait for the user's confirmation; the run ends here.</summary>
    AwaitingConfirmation,
}
