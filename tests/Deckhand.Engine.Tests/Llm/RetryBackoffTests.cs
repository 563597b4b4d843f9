using Deckhand.Engine.Llm.Resilience;

namespace Deckhand.Engine.Tests.Llm;

public sealed class RetryBackoffTests
{
    private const double NoJitter = 0.5;

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 16)]
    [InlineData(3, 32)]
    [InlineData(4, 64)]
    [InlineData(5, 64)]
    [InlineData(40, 64)]
    public void Delay_WithDefaults_DoublesFromMultiplierUpToMaxWait(int failedAttempts, double expectedSeconds)
    {
        var delay = RetryBackoff.Delay(failedAttempts, multiplier: 8, minWait: 8, maxWait: 64, retryAfter: null, NoJitter);
        Assert.Equal(expectedSeconds, delay.TotalSeconds, 6);
    }

    [Fact]
    public void Delay_NeverBelowMinWait()
    {
        var delay = RetryBackoff.Delay(1, multiplier: 0.5, minWait: 3, maxWait: 10, retryAfter: null, random: 0);
        Assert.Equal(3, delay.TotalSeconds, 6);
    }

    [Theory]
    [InlineData(0.0, 12.8)]
    [InlineData(0.999999, 19.2)]
    public void Delay_JitterSpreadsTwentyPercentEitherWay(double random, double expectedSeconds)
    {
        var delay = RetryBackoff.Delay(2, multiplier: 8, minWait: 8, maxWait: 64, retryAfter: null, random);
        Assert.Equal(expectedSeconds, delay.TotalSeconds, 3);
    }

    [Fact]
    public void Delay_JitterStaysWithinMinAndMax()
    {
        Assert.Equal(64, RetryBackoff.Delay(4, 8, 8, 64, null, random: 0.999999).TotalSeconds, 6);
        Assert.Equal(8, RetryBackoff.Delay(1, 8, 8, 64, null, random: 0).TotalSeconds, 6);
    }

    [Fact]
    public void Delay_RetryAfterWinsOverTheFormula_EvenBelowMinWait()
    {
        var delay = RetryBackoff.Delay(1, 8, 8, 64, TimeSpan.FromSeconds(1), random: 0);
        Assert.Equal(TimeSpan.FromSeconds(1), delay);
    }

    [Fact]
    public void Delay_RetryAfterIsCappedAtMaxWait()
    {
        var delay = RetryBackoff.Delay(1, 8, 8, 64, TimeSpan.FromHours(1), NoJitter);
        Assert.Equal(TimeSpan.FromSeconds(64), delay);
    }

    [Fact]
    public void Delay_MaxBelowMin_UsesMin()
    {
        Assert.Equal(5, RetryBackoff.Delay(3, 8, minWait: 5, maxWait: 1, null, NoJitter).TotalSeconds, 6);
    }

    [Theory]
    [InlineData(null, "1", 1000)]
    [InlineData(null, " 2.5 ", 2500)]
    [InlineData("250", "7", 250)]
    [InlineData("bogus", "3", 3000)]
    public void ParseRetryAfter_ReadsMillisecondsFirstThenSeconds(string? ms, string? value, double expectedMs)
    {
        var parsed = RetryBackoff.ParseRetryAfter(ms, value, DateTimeOffset.UnixEpoch);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), parsed);
    }

    [Fact]
    public void ParseRetryAfter_HttpDate_IsRelativeToNow()
    {
        var now = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(30), RetryBackoff.ParseRetryAfter(null, "Fri, 01 May 2026 12:00:30 GMT", now));
        Assert.Equal(TimeSpan.Zero, RetryBackoff.ParseRetryAfter(null, "Fri, 01 May 2026 11:00:00 GMT", now));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(null, "")]
    [InlineData(null, "soon")]
    [InlineData("-5", "-1")]
    public void ParseRetryAfter_AbsentOrUnreadable_IsNull(string? ms, string? value)
    {
        Assert.Null(RetryBackoff.ParseRetryAfter(ms, value, DateTimeOffset.UnixEpoch));
    }
}
