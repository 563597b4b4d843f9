using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Agent.Condensers;

namespace Deckhand.Engine.Tests.Agent;

public sealed class CondensationTests
{
    private static SystemPromptEvent System() => new() { SystemPrompt = new TextContent("sys") };

    private static MessageEvent User(string text) => new()
    {
        Source = EventSource.User,
        LlmMessage = new Message { Role = MessageRole.User, Content = [new TextContent(text)] },
    };

    private static ActionEvent Call(string id, string response) => new()
    {
        Id = "a-" + id,
        ToolName = "think",
        ToolCallId = id,
        LlmResponseId = response,
        ToolCall = new MessageToolCall { Id = id, Name = "think", Arguments = "{}" },
    };

    private static ObservationEvent Result(string id) => new()
    {
        Id = "o-" + id,
        ToolName = "think",
        ToolCallId = id,
        ActionId = "a-" + id,
        Observation = new ThinkObservation { Content = [new TextContent("ok " + id)] },
    };

    private static List<Event> Turns(int count)
    {
        var events = new List<Event> { System(), User("task") };
        for (var i = 1; i <= count; i++)
            events.AddRange([Call($"c{i}", $"r{i}"), Result($"c{i}")]);
        return events;
    }

    [Fact]
    public void Choose_KeepsTheHead_ForgetsTheMiddle_KeepsAboutHalfTheRest()
    {
        var view = Turns(4); // sys, user, a1, o1, a2, o2, a3, o3, a4, o4
        Assert.Equal((4, 8), ForgetRange.Choose(view, keepFirst: 4, keptSuffix: 2));
    }

    [Fact]
    public void Choose_NeverSplitsACallFromItsResult_OrABatchOfCalls()
    {
        // sys, user, a1, o1, [a2, a3 same response], o2, o3, a4, o4, a5, o5
        var view = new List<Event> { System(), User("task"), Call("c1", "r1"), Result("c1"),
            Call("c2", "r2"), Call("c3", "r2"), Result("c2"), Result("c3"), Call("c4", "r4"), Result("c4"), Call("c5", "r5"), Result("c5") };
        var ok = ForgetRange.Boundaries(view);
        Assert.False(ok[5]); // between a2 and a3 (one response)
        Assert.False(ok[6]); // between the calls and their results
        Assert.False(ok[7]);
        Assert.True(ok[8]);
        var (start, end) = ForgetRange.Choose(view, keepFirst: 5, keptSuffix: 2)!.Value;
        Assert.Equal(8, start);
        Assert.True(ok[end]);
    }

    [Fact]
    public void Choose_NeverForgetsTheFirstUserMessage_AndReturnsNullWhenNothingFits()
    {
        var view = new List<Event> { System(), Call("c1", "r1"), Result("c1"), User("task"), Call("c2", "r2"), Result("c2") };
        var (start, _) = ForgetRange.Choose(view, keepFirst: 1, keptSuffix: 1)!.Value;
        Assert.Equal(4, start);
        Assert.Null(ForgetRange.Choose([System(), User("task")], keepFirst: 4, keptSuffix: 0));
    }

    [Fact]
    public void View_DropsForgottenEvents_AndInsertsTheLatestSummary()
    {
        var history = Turns(4);
        history.Add(new Condensation
        {
            LlmResponseId = "s1",
            ForgottenEventIds = ["a-c2", "o-c2", "a-c3", "o-c3"],
            Summary = "summary one",
            SummaryOffset = 4,
        });
        var view = CondensedView.From(history);
        Assert.Equal(1, view.Version);
        Assert.Equal(7, view.Events.Count);
        Assert.Equal("summary one", Assert.IsType<CondensationSummaryEvent>(view.Events[4]).Summary);
        Assert.DoesNotContain(view.Events, e => e.Id is "a-c2" or "o-c3");
        Assert.True(CondensedView.JustCondensed(history));
    }

    [Fact]
    public void MessageBuilder_RebuildsWhenTheViewIsCondensed()
    {
        var builder = new MessageBuilder();
        var history = Turns(4);
        var before = builder.Build(CondensedView.From(history).Events).Count;
        history.Add(new Condensation { LlmResponseId = "s1", ForgottenEventIds = ["a-c2", "o-c2"], Summary = "sum", SummaryOffset = 4 });
        var view = CondensedView.From(history);
        var after = builder.Build(view.Events, view.Version);
        Assert.Equal(before - 1, after.Count); // two messages gone, one summary (user) message in
        Assert.Contains(after, m => m.Text == "sum");
        Assert.Equal(after.Count, MessageBuilder.BuildOnce(view.Events).Count);
    }
}
