using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer.Tree;

public sealed class ForkTests
{
    private static readonly Uri NoLlm = new("http://127.0.0.1:9/");

    /// <summary>Runs "task one" (think, then a text answer) and "task two" (a text answer); returns the conversation id.</summary>
    private static async Task<Guid> TwoTurnsAsync(TestAgentServer server, ScriptedLlmServer llm)
    {
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "plan for task one" }),
            ScriptedReply.Text("first answer"),
            ScriptedReply.Text("second answer"));
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "task one"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        await server.Client.SendMessageAsync(created.Id, "task two", run: true);
        await Wait.UntilAsync(async () => await server.Client.GetFinalResponseAsync(created.Id) == "second answer", "second answer");
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        return created.Id;
    }

    private static string Texts(IEnumerable<Event> events) =>
        string.Join("\n", events.OfType<MessageEvent>().Select(m => m.LlmMessage.Text()));

    [Fact]
    public async Task ForkFromAMiddleEvent_HasExactlyTheEventsUpToIt_AndBothGoOnIndependently()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var source = await TwoTurnsAsync(server, llm);
        var before = await server.Client.AllEventsAsync(source);
        var firstAnswer = before.OfType<MessageEvent>().Single(m => m.LlmMessage.Text() == "first answer");
        var cut = before.FindIndex(e => e.Id == firstAnswer.Id);
        Assert.True(cut < before.Count - 3, "the fork point must be in the middle of the log");

        var fork = await server.Client.ForkConversationAsync(source, new ForkConversationRequest { FromEventId = firstAnswer.Id });

        Assert.NotEqual(source, fork.Id);
        Assert.Equal(source, fork.ForkedFromConversationId);
        Assert.Equal(firstAnswer.Id, fork.ForkedFromEventId);
        Assert.Equal(ExecutionStatus.Idle, fork.ExecutionStatus);
        Assert.Equal(firstAnswer.Id, fork.LeafEventId);
        Assert.Empty(fork.Stats.UsageToMetrics);
        var forkEvents = await server.Client.AllEventsAsync(fork.Id);
        Assert.Equal(before.Take(cut + 1).Select(e => e.Id), forkEvents.Select(e => e.Id));
        Assert.Equal(before.Take(cut + 1).Select(e => e.Kind), forkEvents.Select(e => e.Kind));
        Assert.DoesNotContain("task two", Texts(forkEvents));
        // The source is untouched by the fork.
        Assert.Equal(before.Select(e => e.Id), (await server.Client.AllEventsAsync(source)).Select(e => e.Id));

        // Both go on at the same time, each with its own reply, in the same workspace.
        llm.Responder = request => ScriptedReply.Text(request.Body.Contains("continue the fork", StringComparison.Ordinal) ? "fork reply" : "source reply");
        await server.Client.SendMessageAsync(fork.Id, "continue the fork", run: true);
        await server.Client.SendMessageAsync(source, "continue the source", run: true);
        await Wait.UntilAsync(async () => await server.Client.GetFinalResponseAsync(fork.Id) == "fork reply", "the fork's reply");
        await Wait.UntilAsync(async () => await server.Client.GetFinalResponseAsync(source) == "source reply", "the source's reply");

        var forkRequest = llm.Requests.Single(r => r.Body.Contains("continue the fork", StringComparison.Ordinal));
        Assert.Contains("first answer", forkRequest.Body);
        Assert.DoesNotContain("task two", forkRequest.Body);
        Assert.DoesNotContain("second answer", forkRequest.Body);
        var sourceRequest = llm.Requests.Single(r => r.Body.Contains("continue the source", StringComparison.Ordinal));
        Assert.Contains("second answer", sourceRequest.Body);
        Assert.DoesNotContain("continue the fork", sourceRequest.Body);

        var sourceAfter = await server.Client.AllEventsAsync(source);
        Assert.Equal(before.Select(e => e.Id), sourceAfter.Take(before.Count).Select(e => e.Id));
        Assert.DoesNotContain("fork", Texts(sourceAfter));
        Assert.DoesNotContain("continue the source", Texts(await server.Client.AllEventsAsync(fork.Id)));
        // Metrics were reset: the fork counts only its own call.
        var forkInfo = await server.Client.GetConversationAsync(fork.Id);
        Assert.Equal(100, forkInfo!.Stats.UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal(400, (await server.Client.GetConversationAsync(source))!.Stats.UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
    }

    [Fact]
    public async Task ForkFromTheEnd_WithoutBody_CopiesEverything_AndSurvivesARestart()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        var dataDir = TempDir.Create("deckhand-fork");
        try
        {
            Guid source, forkId;
            List<string> sourceIds;
            await using (var server = await TestAgentServer.StartAsync(dataDir))
            {
                source = await TwoTurnsAsync(server, llm);
                using var response = await server.Http.PostAsync($"api/conversations/{source}/fork", null);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                var fork = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                forkId = fork.GetProperty("id").GetGuid();
                sourceIds = [.. (await server.Client.AllEventsAsync(source)).Select(e => e.Id)];
                Assert.Equal(sourceIds[^1], fork.GetProperty("forked_from_event_id").GetString());
                Assert.Equal(source.ToString(), fork.GetProperty("forked_from_conversation_id").GetString());
            }
            await using (var server = await TestAgentServer.StartAsync(dataDir))
            {
                var info = await server.Client.GetConversationAsync(forkId);
                Assert.Equal(source, info!.ForkedFromConversationId);
                Assert.Equal(sourceIds, (await server.Client.AllEventsAsync(forkId)).Select(e => e.Id));
            }
        }
        finally
        {
            TempDir.Delete(dataDir);
        }
    }

    [Fact]
    public async Task Fork_KeepsMetricsWhenAsked_SetsIdTitleAndTags()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var source = await TwoTurnsAsync(server, llm);
        var forkId = Guid.NewGuid();

        var fork = await server.Client.ForkConversationAsync(source, new ForkConversationRequest
        {
            Id = forkId,
            Title = "  Try another way ",
            Tags = new Dictionary<string, string> { ["branch"] = "b2" },
            ResetMetrics = false,
        });

        Assert.Equal(forkId, fork.Id);
        Assert.Equal("Try another way", fork.Title);
        Assert.Equal("b2", fork.Tags["branch"]);
        Assert.Equal(300, fork.Stats.UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal("task one", (await server.Client.GetConversationAsync(source))!.Title);
    }

    [Fact]
    public async Task ForkFromAnActionWithoutItsResult_ClosesTheCallInTheFork_AndNothingRunsTwice()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var source = await TwoTurnsAsync(server, llm);
        var events = await server.Client.AllEventsAsync(source);
        var think = events.OfType<ActionEvent>().Single();

        var fork = await server.Client.ForkConversationAsync(source, new ForkConversationRequest { FromEventId = think.Id });

        var forkEvents = await server.Client.AllEventsAsync(fork.Id);
        Assert.Equal(think.Id, forkEvents[^2].Id);
        var closed = Assert.IsType<AgentErrorEvent>(forkEvents[^1]);
        Assert.Equal(think.ToolCallId, closed.ToolCallId);
        Assert.Contains("forked", closed.Error);
        Assert.Equal(closed.Id, fork.LeafEventId);
    }

    [Fact]
    public async Task Fork_UnknownSourceOrEvent_Is404_TakenId_Is409_BadInput_Is422()
    {
        await using var server = await TestAgentServer.StartAsync();
        var (a, _) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm));
        var (b, _) = await server.Client.CreateConversationAsync(Requests.Start(NoLlm));

        async Task<(HttpStatusCode Status, string Body)> ForkAsync(Guid id, string json)
        {
            using var response = await server.Http.PostAsync($"api/conversations/{id}/fork", new StringContent(json, Encoding.UTF8, "application/json"));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var unknown = await ForkAsync(Guid.NewGuid(), "{}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Contains("Conversation not found", unknown.Body);
        var noEvent = await ForkAsync(a.Id, """{"from_event_id":"no-such-event"}""");
        Assert.Equal(HttpStatusCode.NotFound, noEvent.Status);
        Assert.Contains("no-such-event", noEvent.Body);
        Assert.Equal(HttpStatusCode.Conflict, (await ForkAsync(a.Id, $$"""{"id":"{{b.Id}}"}""")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await ForkAsync(a.Id, $$"""{"id":"{{a.Id}}"}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ForkAsync(a.Id, """{"tags":{"Bad Key":"x"}}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ForkAsync(a.Id, $$"""{"title":"{{new string('t', 201)}}"}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ForkAsync(a.Id, """{"reset_metrics":"yes"}""")).Status);
        using var badId = await server.Http.PostAsync("api/conversations/not-a-uuid/fork", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badId.StatusCode);
        // None of the refused forks left a conversation behind.
        Assert.Equal(2, (await server.Client.SearchConversationsAsync()).Items.Count);
    }
}
