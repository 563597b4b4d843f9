using System.Net;
using System.Text;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer.Tree;

public sealed class AskAgentTests
{
    private static async Task<Guid> FinishedAsync(TestAgentServer server, ScriptedLlmServer llm)
    {
        llm.Enqueue(ScriptedReply.ToolCall("think", new { thought = "check the config first" }), ScriptedReply.Text("Config checked."));
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "check the config"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        return created.Id;
    }

    [Fact]
    public async Task AskAgent_AnswersFromTheHistory_AndRecordsNothing()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var id = await FinishedAsync(server, llm);
        var eventsBefore = await server.Client.AllEventsAsync(id);
        var infoBefore = await server.Client.GetConversationAsync(id);
        llm.Enqueue(ScriptedReply.Text("It thought about the config, then checked it."));

        var answer = await server.Client.AskAgentAsync(id, "What did you do first?");

        Assert.Equal("It thought about the config, then checked it.", answer);
        var request = llm.Requests[^1];
        // The whole view, tools declared (the history has a tool call), and the question last.
        Assert.Equal("system", request.MessageRole(0));
        Assert.Equal("check the config", request.MessageText(1));
        Assert.Contains(request.Messages, m => m.GetProperty("role").GetString() == "tool");
        Assert.Equal(["finish", "think"], request.ToolNames.Order());
        Assert.Equal("user", request.MessageRole(^1));
        Assert.Contains("What did you do first?", request.MessageText(^1));
        Assert.Contains("Do not call any tool", request.MessageText(^1));
        // Nothing changed: no event, same status and usage.
        Assert.Equal(eventsBefore.Select(e => e.Id), (await server.Client.AllEventsAsync(id)).Select(e => e.Id));
        var infoAfter = await server.Client.GetConversationAsync(id);
        Assert.Equal(ExecutionStatus.Finished, infoAfter!.ExecutionStatus);
        Assert.Equal(infoBefore!.Stats.UsageToMetrics.Keys, infoAfter.Stats.UsageToMetrics.Keys);
        Assert.Equal(200, infoAfter.Stats.UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal(infoBefore.LeafEventId, infoAfter.LeafEventId);
    }

    [Fact]
    public async Task AskAgent_WhenTheModelCallsATool_RunsNothing_AndSaysSo()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var id = await FinishedAsync(server, llm);
        var count = (await server.Client.AllEventsAsync(id)).Count;
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "not an answer" }));

        var answer = await server.Client.AskAgentAsync(id, "Are you done?");

        Assert.Contains("tool call", answer);
        Assert.Equal(count, (await server.Client.AllEventsAsync(id)).Count);
        Assert.Equal("Config checked.", await server.Client.GetFinalResponseAsync(id));
    }

    [Fact]
    public async Task AskAgent_UnknownConversation_Is404_EmptyQuestion_Is422_ModelFailure_Is502()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var id = await FinishedAsync(server, llm);

        var missing = await Assert.ThrowsAsync<AgentServerException>(() => server.Client.AskAgentAsync(Guid.NewGuid(), "hello?"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var empty = await server.Http.PostAsync($"api/conversations/{id}/ask_agent", new StringContent("""{"question":"  "}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.StatusCode);
        using var noField = await server.Http.PostAsync($"api/conversations/{id}/ask_agent", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noField.StatusCode);

        llm.Enqueue(ScriptedReply.Error(400, "This model does not exist."));
        var failed = await Assert.ThrowsAsync<AgentServerException>(() => server.Client.AskAgentAsync(id, "hello?"));
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Contains("LLMBadRequestError", failed.Detail);
        Assert.DoesNotContain(Requests.ApiKey, failed.Detail);
        // A failed question changes nothing either.
        Assert.Empty((await server.Client.AllEventsAsync(id)).OfType<Deckhand.Contracts.Events.ConversationErrorEvent>());
        Assert.Equal(ExecutionStatus.Finished, (await server.Client.GetConversationAsync(id))!.ExecutionStatus);
    }
}
