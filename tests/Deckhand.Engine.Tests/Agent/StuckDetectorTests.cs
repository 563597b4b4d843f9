using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Tests.Support;

namespace Deckhand.Engine.Tests.Agent;

/// <summary>Each loop pattern of spec §4.5 at, and just below, its threshold.</summary>
public sealed class StuckDetectorTests
{
    private int _calls;

    [Fact]
    public void SameCallSameResult_FourTimes_IsStuck_ThreeIsNot()
    {
        var history = Start();
        for (var i = 0; i < 3; i++)
            history.AddRange(Run("ls /missing", "ls: cannot access '/missing'"));
        Assert.False(StuckDetector.Check(history).IsStuck);

        history.AddRange(Run("ls /missing", "ls: cannot access '/missing'"));
        var verdict = StuckDetector.Check(history);
        Assert.True(verdict.IsStuck);
        Assert.Contains("`terminal`", verdict.Reason);
        Assert.Contains("4 times", verdict.Reason);
    }

    [Fact]
    public void SameCallDifferentResults_OrDifferentCalls_IsNotStuck()
    {
        var history = Start();
        for (var i = 0; i < 6; i++)
            history.AddRange(Run("date", $"tick {i}"));
        Assert.False(StuckDetector.Check(history).IsStuck);

        history = Start();
        for (var i = 0; i < 6; i++)
            history.AddRange(Run($"cat file{i}", "same"));
        Assert.False(StuckDetector.Check(history).IsStuck);
    }

    [Fact]
    public void OnlyEventsAfterTheLastUserMessage_Count()
    {
        var history = Start();
        for (var i = 0; i < 5; i++)
            history.AddRange(Run("ls /missing", "no such file"));
        Assert.True(StuckDetector.Check(history).IsStuck);

        history.Add(Build.UserMessage("try another way"));
        Assert.False(StuckDetector.Check(history).IsStuck);
        for (var i = 0; i < 3; i++)
            history.AddRange(Run("ls /missing", "no such file"));
        Assert.False(StuckDetector.Check(history).IsStuck);
    }

    [Fact]
    public void SameCallSameError_NudgesOnceAtThree_AndIsStuckAtFour()
    {
        var history = Start();
        history.AddRange(Fail("bad args"));
        history.AddRange(Fail("bad args"));
        Assert.Equal(StuckVerdict.None, StuckDetector.Check(history));

        history.AddRange(Fail("bad args"));
        var third = StuckDetector.Check(history);
        Assert.False(third.IsStuck);
        Assert.NotNull(third.Nudge);
        Assert.Equal(EventSource.Environment, third.Nudge.Source);
        Assert.Equal(MessageRole.User, third.Nudge.LlmMessage.Role);
        Assert.Contains("`terminal` 3 times", third.Nudge.LlmMessage.Text());
        Assert.Contains("bad args", third.Nudge.LlmMessage.Text());

        // Once per error: the nudge is in the history now, so the same state does not nudge again.
        history.Add(third.Nudge);
        Assert.Equal(StuckVerdict.None, StuckDetector.Check(history));

        history.AddRange(Fail("bad args"));
        Assert.True(StuckDetector.Check(history).IsStuck);
    }

    [Fact]
    public void DifferentErrors_DoNotNudge()
    {
        var history = Start();
        history.AddRange(Fail("error one"));
        history.AddRange(Fail("error two"));
        history.AddRange(Fail("error three"));
        Assert.Equal(StuckVerdict.None, StuckDetector.Check(history));
    }

    [Fact]
    public void Monologue_ThreeAgentMessagesInARow_IsStuck_AnEnvironmentNudgeDoesNotBreakIt()
    {
        var history = Start();
        history.Add(Build.AgentMessage(""));
        history.Add(Nudge());
        history.Add(Build.AgentMessage(""));
        Assert.False(StuckDetector.Check(history).IsStuck);

        history.Add(Nudge());
        history.Add(Build.AgentMessage(""));
        Assert.True(StuckDetector.Check(history).IsStuck);
    }

    [Fact]
    public void Monologue_IsBrokenByAToolCall()
    {
        var history = Start();
        history.Add(Build.AgentMessage("a"));
        history.Add(Build.AgentMessage("b"));
        history.AddRange(Run("ls", "x"));
        history.Add(Build.AgentMessage("c"));
        Assert.False(StuckDetector.Check(history).IsStuck);
    }

    [Fact]
    public void Alternating_ABABAB_IsStuck_ABABA_IsNot()
    {
        var history = Start();
        for (var i = 0; i < 5; i++)
            history.AddRange(i % 2 == 0 ? Run("cat a", "A") : Run("cat b", "B"));
        Assert.False(StuckDetector.Check(history).IsStuck);

        history.AddRange(Run("cat b", "B"));
        var verdict = StuckDetector.Check(history);
        Assert.True(verdict.IsStuck);
        Assert.Contains("alternating", verdict.Reason);
    }

    [Fact]
    public void Equality_IgnoresIdsAndTimestamps_ButNotThoughts()
    {
        var a = Run("ls", "x", thought: "first");
        var b = Run("ls", "x", thought: "first");
        var c = Run("ls", "x", thought: "second");
        Assert.True(StuckDetector.Same(a[0], b[0]));
        Assert.True(StuckDetector.Same(a[1], b[1]));
        Assert.False(StuckDetector.Same(a[0], c[0]));
    }

    private static List<Event> Start() => [Build.SystemPrompt(), Build.UserMessage("do the task")];

    private Event[] Run(string command, string output, string thought = "")
    {
        var action = Action(new TerminalAction { Command = command }, thought);
        return
        [
            action,
            new ObservationEvent
            {
                ToolName = "terminal",
                ToolCallId = action.ToolCallId,
                ActionId = action.Id,
                Observation = new TerminalObservation { Content = [new TextContent(output)], Command = command, ExitCode = 2 },
            },
        ];
    }

    private Event[] Fail(string error)
    {
        var action = Action(null, "");
        return [action, new AgentErrorEvent { ToolName = "terminal", ToolCallId = action.ToolCallId, Error = error }];
    }

    private ActionEvent Action(ToolAction? action, string thought)
    {
        var id = "call_" + ++_calls;
        return new ActionEvent
        {
            Thought = thought.Length > 0 ? [new TextContent(thought)] : [],
            Action = action,
            ToolName = "terminal",
            ToolCallId = id,
            ToolCall = new MessageToolCall { Id = id, Name = "terminal", Arguments = "{}" },
            LlmResponseId = "resp_" + id,
        };
    }

    private static MessageEvent Nudge() => new()
    {
        Source = EventSource.Environment,
        LlmMessage = new Message { Role = MessageRole.User, Content = [new TextContent(AgentRuntime.NudgeText)] },
    };
}
