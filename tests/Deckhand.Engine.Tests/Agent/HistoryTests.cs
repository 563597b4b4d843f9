using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Agent;

namespace Deckhand.Engine.Tests.Agent;

/// <summary>Which calls are still open: the calls waiting for confirmation are exactly these.</summary>
public sealed class HistoryTests
{
    [Fact]
    public void Unmatched_PairsResultsWithTheirAction_EvenWhenTheModelReusesCallIds()
    {
        var first = Action("call_0");
        var second = Action("call_0");
        var third = Action("call_0");
        List<Event> history =
        [
            first,
            new ObservationEvent
            {
                ToolName = "terminal", ToolCallId = "call_0", ActionId = first.Id,
                Observation = new TerminalObservation { Content = [new TextContent("ok")] },
            },
            second,
            new AgentErrorEvent { ToolName = "terminal", ToolCallId = "call_0", Error = "failed" },
            third,
        ];
        Assert.Equal([third.Id], History.Unmatched(history).Select(a => a.Id));

        history.Add(new UserRejectObservation { ToolName = "terminal", ToolCallId = "call_0", ActionId = third.Id });
        Assert.Empty(History.Unmatched(history));
    }

    private static ActionEvent Action(string callId) => new()
    {
        Action = new TerminalAction { Command = "ls" },
        ToolName = "terminal",
        ToolCallId = callId,
        ToolCall = new MessageToolCall { Id = callId, Name = "terminal", Arguments = """{"command":"ls"}""" },
        LlmResponseId = "resp-" + Guid.NewGuid().ToString("N"),
    };
}
