namespace Deckhand.Engine.Tools.Terminal;

/// <summary>Tunables of the terminal tool. Defaults follow OpenHands; tests shorten the quiet timeout.</summary>
public sealed record TerminalOptions
{
    /// <summary>Without an explicit <c>timeout</c>, control returns to the agent after this long with no new output.</summary>
    public TimeSpan QuietTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most characters of one observation the model sees; longer output is cut in the middle and saved in full.</summary>
    public int MaxOutputChars { get; init; } = 30_000;

    /// <summary>How long a new shell may take to come up.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
