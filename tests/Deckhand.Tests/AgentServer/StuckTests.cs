using System.Net.Http.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Conversations;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>The loop check and the iteration limit, end to end with the scripted LLM.</summary>
public sealed class StuckTests
{
    [Fact]
    public async Task SameFailingCommandFiveTimes_EndsStuckWithAReason_AndAUserMessageResumes()
    {
        var workspace = TempDir.Create("deckhand-stuck-ws");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            // A model that would run the same failing command five times, then finishes once told to stop.
            var failing = ScriptedReply.ToolCall("terminal", new { command = "ls /no-such-dir-for-deckhand", security_risk = "LOW" });
            llm.Responder = request => request.Index < 5 ? failing : ScriptedReply.ToolCall("finish", new { message = "Gave up on that dir." });
            await using var server = await TestAgentServer.StartAsync();
            var request = Requests.Start(llm.BaseUrl, "list that directory");
            request = request with
            {
                Workspace = new Workspace { WorkingDir = workspace },
                Agent = request.Agent! with { Tools = [new ToolSpec { Name = "terminal" }] },
            };
            var (created, _) = await server.Client.CreateConversationAsync(request);

            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Stuck, TimeSpan.FromSeconds(60));
            var events = await server.Client.AllEventsAsync(created.Id);
            var reason = events.OfType<ConversationErrorEvent>().Single();
            Assert.Equal(ConversationRunner.StuckCode, reason.Code);
            Assert.Contains("`terminal` call 4 times", reason.Detail);
            Assert.Contains("send a message", reason.Detail);
            Assert.Equal("agent_action", reason.Classification!.Kind);
            // Stopped before a fifth LLM call: no tokens spent on the repeat.
            Assert.Equal(4, llm.Requests.Count);
            Assert.Equal(4, events.OfType<ObservationEvent>().Count());

            await server.Client.SendMessageAsync(created.Id, "That directory does not exist; stop trying.", run: true);
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));
            Assert.Equal("Gave up on that dir.", await server.Client.GetFinalResponseAsync(created.Id));
            // The message reset the check: one more try of the same command was allowed before the model finished.
            Assert.Equal(6, llm.Requests.Count);
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }

    [Fact]
    public async Task SameInvalidCall_GetsOneWarningAtThree_ThenIsStuck()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Responder = _ => ScriptedReply.ToolCall("think", new { idea = "wrong parameter name" });
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "think about it"));

        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Stuck);
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.Equal(4, events.OfType<AgentErrorEvent>().Count());
        var warning = Assert.Single(events.OfType<MessageEvent>(), m => m.Source == EventSource.Environment);
        Assert.Contains("`think` 3 times in a row", warning.LlmMessage.Text());
        // The warning came right after the third failure and reached the model in the fourth call.
        Assert.Equal(4, llm.Requests.Count);
        Assert.Contains("3 times in a row", llm.Requests[3].MessageText(^1));
        Assert.DoesNotContain("3 times in a row", llm.Requests[2].Body);
    }

    [Fact]
    public async Task StuckDetectionOff_LetsTheLoopRunToTheIterationLimit()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Responder = _ => ScriptedReply.ToolCall("think", new { thought = "same again" });
        await using var server = await TestAgentServer.StartAsync();
        var request = Requests.Start(llm.BaseUrl, "loop", maxIterations: 6) with { StuckDetection = false };
        var (created, _) = await server.Client.CreateConversationAsync(request);

        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);
        Assert.Equal(6, llm.Requests.Count);
        Assert.Equal("MaxIterationsReached", (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Single().Code);
    }

    [Fact]
    public async Task MaxIterations_IsCountedPerRun_SoRunningAgainGrantsAFreshAllowance()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        var step = 0;
        llm.Responder = _ => ScriptedReply.ToolCall("think", new { thought = $"step {Interlocked.Increment(ref step)}" });
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "work", maxIterations: 3));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);
        Assert.Equal(3, llm.Requests.Count);

        await server.Client.RunAsync(created.Id);
        await Wait.UntilAsync(async () => (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Count() == 2,
            "the second run to stop");
        Assert.Equal(6, llm.Requests.Count);
    }

    [Fact]
    public async Task MaxIterations_RaisedByPatchMidRun_LetsThatRunGoOn_AndBadValuesGet422()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        using var held = new SemaphoreSlim(0);
        var step = 0;
        llm.Responder = _ =>
        {
            // The first call waits until the test has raised the limit, so the raise lands in the middle of the run.
            if (Interlocked.Increment(ref step) == 1 && !held.Wait(TimeSpan.FromSeconds(30)))
                throw new TimeoutException("the test never released the first call");
            return ScriptedReply.ToolCall("think", new { thought = $"step {step}" });
        };
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "work", maxIterations: 2));
        await llm.WaitForRequestAsync(0, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        using var bad = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}", new { max_iterations = 0 },
            TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        using var patch = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}", new { max_iterations = 5 },
            TestContext.Current.CancellationToken);
        patch.EnsureSuccessStatusCode();
        held.Release();

        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);
        Assert.Equal(5, llm.Requests.Count);
        var info = (await server.Client.GetConversationAsync(created.Id))!;
        Assert.Equal(5, info.MaxIterations);
        Assert.Equal("MaxIterationsReached", (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Single().Code);
    }
}
