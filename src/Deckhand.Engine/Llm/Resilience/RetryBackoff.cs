using System.Globalization;

namespace Deckhand.Engine.Llm.Resilience;

/// <summary>The arithmetic of LLM retries (spec §6.1): how long to wait, and what a <c>Retry-After</c> header asks for.</summary>
internal static class RetryBackoff
{
    /// <summary>The part of the computed wait that jitter may take away or add (±20 %).</summary>
    public const double JitterSpread = 0.2;

    /// <summary>
    /// The wait after <paramref name="failedAttempts"/> failed attempts: <c>clamp(multiplier·2^(n-1), min, max)</c>
    /// spread by jitter (<paramref name="random"/> in [0, 1); 0.5 means none) and clamped again, so concurrent
    /// conversations hitting the same rate limit do not come back in lockstep. A <c>Retry-After</c> from the provider
    /// wins over the formula (it knows when capacity returns) but never exceeds <c>retry_max_wait</c>, so a provider
    /// cannot park a run for an hour.
    /// </summary>
    public static TimeSpan Delay(int failedAttempts, double multiplier, double minWait, double maxWait, TimeSpan? retryAfter, double random)
    {
        var min = Math.Max(0, minWait);
        var max = Math.Max(min, maxWait);
        if (retryAfter is { } after)
            return TimeSpan.FromSeconds(Math.Min(Math.Max(0, after.TotalSeconds), max));
        var exponent = Math.Min(Math.Max(failedAttempts, 1) - 1, 30);
        var computed = Math.Clamp(multiplier * Math.Pow(2, exponent), min, max);
        var jittered = computed * (1 + JitterSpread * (2 * random - 1));
        return TimeSpan.FromSeconds(Math.Clamp(jittered, min, max));
    }

    /// <summary>
    /// Parses <c>retry-after-ms</c> (OpenAI, Azure) or <c>retry-after</c> (seconds, or an HTTP date relative to
    /// <paramref name="now"/>). Null when absent or unreadable; a date in the past means retry now.
    /// </summary>
    public static TimeSpan? ParseRetryAfter(string? retryAfterMs, string? retryAfter, DateTimeOffset now)
    {
        if (double.TryParse(retryAfterMs, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 && double.IsFinite(ms))
            return TimeSpan.FromMilliseconds(ms);
        if (string.IsNullOrWhiteSpace(retryAfter))
            return null;
        var value = retryAfter.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds))
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}
