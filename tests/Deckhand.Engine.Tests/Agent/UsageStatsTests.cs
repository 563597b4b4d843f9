using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Agent;

namespace Deckhand.Engine.Tests.Agent;

public sealed class UsageStatsTests
{
    private static Metrics M(long prompt, double cost = 0) => new()
    {
        ModelName = "m",
        AccumulatedCost = cost,
        AccumulatedTokenUsage = new TokenUsage { Model = "m", PromptTokens = prompt },
    };

    private static ConversationStats S(params (string Id, Metrics Metrics)[] entries) =>
        new() { UsageToMetrics = entries.ToDictionary(e => e.Id, e => e.Metrics) };

    [Fact]
    public void KeepAccumulated_AStaleWrite_DoesNotDropUsageCommittedMeanwhile()
    {
        // A step read {default:100}, the title call then committed {title:40}, and the step now writes {default:200}.
        var current = S(("default", M(100)), ("title", M(40)));
        var stale = S(("default", M(200)));

        var merged = UsageStats.KeepAccumulated(current, stale);

        Assert.Equal(200, merged.UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal(40, merged.UsageToMetrics["title"].AccumulatedTokenUsage!.PromptTokens);
    }

    [Fact]
    public void KeepAccumulated_NeverLetsAUsageIdGoBackwards_AndLeavesGoodWritesAlone()
    {
        var current = S(("default", M(300, cost: 0.3)));
        Assert.Equal(300, UsageStats.KeepAccumulated(current, S(("default", M(200, cost: 0.2)))).UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
        var forward = S(("default", M(400, cost: 0.4)));
        Assert.Same(forward, UsageStats.KeepAccumulated(current, forward));
    }
}
