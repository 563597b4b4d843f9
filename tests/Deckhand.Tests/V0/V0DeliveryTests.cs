using System.Text.Json.Nodes;
using Deckhand.V0.Events;

namespace Deckhand.Tests.V0;

public sealed class V0DeliveryTests
{
    private static V0Event Obs(long id, string type, string source, string state = "") => new()
    {
        Id = id, Timestamp = V0EventCases.Time, Source = source, Message = "", Observation = type, Content = "",
        Extras = type == "agent_state_changed" ? new JsonObject { ["agent_state"] = state, ["reason"] = "" } : [],
    };

    private static V0Event Act(long id, string type, string source) => new()
    {
        Id = id, Timestamp = V0EventCases.Time, Source = source, Message = "", Action = type, Args = [],
    };

    [Theory]
    [InlineData("run")]
    [InlineData("agent_state_changed")]
    [InlineData("recall")]
    [InlineData("error")]
    public void Live_RelabelsTheseEnvironmentObservations_AsTheAgents(string type)
    {
        var live = V0Delivery.Live(Obs(1, type, "environment"));

        Assert.Equal("agent", live?.Source);
    }

    [Fact]
    public void Live_SendsAgentAndUserEventsAsTheyAre_AndHoldsBackOtherEnvironmentEvents()
    {
        Assert.Equal("user", V0Delivery.Live(Act(1, "message", "user"))?.Source);
        Assert.Equal("agent", V0Delivery.Live(Act(2, "run", "agent"))?.Source);
        Assert.Null(V0Delivery.Live(Act(3, "change_agent_state", "environment")));
        Assert.Null(V0Delivery.Live(Obs(4, "condense", "environment")));
        Assert.Null(V0Delivery.Live(Act(5, "message", "environment")));
        Assert.Null(V0Delivery.Live(Act(6, "null", "agent")));
    }

    [Fact]
    public void Replay_SkipsUpToLatestId_DropsRecallAndNull_AndEndsWithTheLastAgentState()
    {
        V0Event[] log =
        [
            Obs(0, "agent_state_changed", "environment", "loading"),
            Act(1, "system", "agent"),
            Obs(2, "agent_state_changed", "environment", "awaiting_user_input"),
            Act(3, "message", "user"),
            Act(4, "recall", "user"),
            Obs(5, "agent_state_changed", "environment", "running"),
            Act(6, "null", "agent"),
            Act(7, "change_agent_state", "environment"),
            Obs(8, "agent_state_changed", "environment", "finished"),
        ];

        var all = V0Delivery.Replay(log).ToList();
        var newer = V0Delivery.Replay(log, latestEventId: 3).ToList();

        Assert.Equal([1, 3, 7, 8], all.Select(e => e.Id!.Value));
        Assert.Equal("environment", all[2].Source); // stored source kept on replay
        Assert.Equal([7, 8], newer.Select(e => e.Id!.Value));
        Assert.Equal("finished", (string?)newer[^1].Extras!["agent_state"]);
        Assert.Empty(V0Delivery.Replay(log, latestEventId: 8));
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("-1", -1)]
    [InlineData("undefined", -1)]
    [InlineData("", -1)]
    [InlineData(null, -1)]
    [InlineData("3.5", -1)]
    public void LatestEventId_IsAnIntegerOrMinusOne(string? query, long expected) =>
        Assert.Equal(expected, V0Delivery.ParseLatestEventId(query));
}
