using System.Net;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

public sealed class RunControlTests
{
    [Fact]
    public async Task Run_WhenAlreadyRunning_Returns409()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Hang());
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await llm.WaitForRequestAsync(0, Wait.Default);

        var error = await Assert.ThrowsAsync<AgentServerException>(() => server.Client.RunAsync(created.Id));
        Assert.Equal(HttpStatusCode.Conflict, error.StatusCode);
        Assert.Contains("already running", error.Detail);
        Assert.Equal(ExecutionStatus.Running, (await server.Client.GetConversationAsync(created.Id))!.ExecutionStatus);
    }

    [Fact]
    public async Task Run_OnIdleConversation_Starts_ThenFinishes()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        Assert.Equal(ExecutionStatus.Idle, created.ExecutionStatus);
        await server.Client.SendMessageAsync(created.Id, "queued while idle", run: false);
        Assert.Empty(llm.Requests);

        await server.Client.RunAsync(created.Id);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        Assert.Equal("queued while idle", llm.Requests.Single().MessageText(^1));
    }

    [Fact]
    public async Task UnknownConversation_Gets404_OrOpenHandsQuirkCodes()
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = Guid.NewGuid();
        Assert.Null(await server.Client.GetConversationAsync(id));
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<AgentServerException>(() => server.Client.RunAsync(id))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"api/conversations/{id}/events/search")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"api/conversations/{id}/agent_final_response")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.PostAsync($"api/conversations/{id}/events",
            new StringContent("""{"content":[{"type":"text","text":"hi"}]}""", null, "application/json"))).StatusCode);
        // OpenHands answers 400 for pause/interrupt/delete of an unknown id, and 200 {"success": false} for PATCH.
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.PostAsync($"api/conversations/{id}/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.DeleteAsync($"api/conversations/{id}")).StatusCode);
        var patch = await server.Http.PatchAsync($"api/conversations/{id}", new StringContent("""{"title":"x"}""", null, "application/json"));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("""{"success":false}""", await patch.Content.ReadAsStringAsync());
        var eventInKnownConversation = await server.Http.GetAsync($"api/conversations/{id}/events/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, eventInKnownConversation.StatusCode);
    }

    [Fact]
    public async Task Interrupt_CancelsInFlightLlmCall_AndPauses()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Hang());
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        var request = await llm.WaitForRequestAsync(0, Wait.Default);

        await server.Client.InterruptAsync(created.Id);
        await request.Aborted.WaitAsync(Wait.Default);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Paused);
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.IsType<InterruptEvent>(events.Last(e => e is not ConversationStateUpdateEvent));

        // /run continues from paused.
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "resumed" }));
        await server.Client.RunAsync(created.Id);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
    }

    [Fact]
    public async Task Pause_TakesEffectAtTheNextStepBoundary()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Hang());
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await llm.WaitForRequestAsync(0, Wait.Default);

        await server.Client.PauseAsync(created.Id);
        var info = await server.Client.GetConversationAsync(created.Id);
        Assert.Equal(ExecutionStatus.Paused, info!.ExecutionStatus);
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.Contains(events, e => e is PauseEvent);
        Assert.Single(llm.Requests);
    }

    [Fact]
    public async Task MaxIterations_StopsTheRun_WithAnErrorSaying()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Responder = _ => ScriptedReply.ToolCall("think", new { thought = "again" });
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "loop", maxIterations: 3));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        Assert.Equal(3, llm.Requests.Count);
        var error = (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Single();
        Assert.Equal("MaxIterationsReached", error.Code);
    }

    [Fact]
    public async Task MessageSentDuringARun_IsPickedUpByThatRun()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        var messageAppended = new TaskCompletionSource();
        // The first LLM call is held open until the second message is in the log, so it lands mid-run every time.
        llm.Responder = request =>
        {
            if (request.Index > 0)
                return ScriptedReply.ToolCall("finish", new { message = "saw it" });
            messageAppended.Task.Wait(Wait.Default);
            return ScriptedReply.ToolCall("think", new { thought = "working" });
        };
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "first"));
        await llm.WaitForRequestAsync(0, Wait.Default);
        await server.Client.SendMessageAsync(created.Id, "also this", run: true);
        messageAppended.SetResult();

        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        Assert.Equal(2, llm.Requests.Count);
        Assert.Contains("also this", llm.Requests[1].MessageText(^3));
    }
}
