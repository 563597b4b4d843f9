namespace Deckhand.AppServer.EventCallbacks;

/// <summary>Limits and timings of event callbacks.</summary>
public sealed record EventCallbackOptions
{
    /// <summary>Most events waiting for callbacks per conversation; beyond it the oldest are skipped (and logged).</summary>
    public int MaxQueuedEventsPerConversation { get; init; } = 10_000;

    /// <summary>Longest one processor may take on one event before its result is an ERROR.</summary>
    public TimeSpan ProcessorTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>SetTitle asks the agent-server for the title this many times (OpenHands: 4, every 3 s).</summary>
    public int TitlePollAttempts { get; init; } = 4;

    public TimeSpan TitlePollDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>One outbound webhook post (OpenHands' outbound default: 15 s).</summary>
    public TimeSpan OutboundTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries of a failed outbound post (so 1 + this many attempts).</summary>
    public int OutboundRetries { get; init; } = 2;

    public TimeSpan OutboundRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
