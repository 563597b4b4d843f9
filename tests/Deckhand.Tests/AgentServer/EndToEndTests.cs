using System.Text.Json;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

public sealed class EndToEndTests
{
    [Fact]
    public async Task CreateWithInitialMessage_RunsToFinish_AndStreamsEveryEventInOrder()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "The user wants a greeting.", summary = "plan" }),
            ScriptedReply.ToolCall("finish", new { message = "Hello! All done." }));
        await using var server = await TestAgentServer.StartAsync();

        var (created, isNew) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "Say hello"));
        Assert.True(isNew);
        await using var socket = await server.Client.ConnectEventsAsync(created.Id, new EventSocketOptions { ResendAll = true });
        var events = await Wait.ForEventAsync(socket, e => Wait.IsStatus(e, "finished"));

        // First frame is the full state; then the log in order.
        var fullState = Assert.IsType<ConversationStateUpdateEvent>(events[0]);
        Assert.Equal("full_state", fullState.Key);
        var kinds = events.Skip(1).Where(e => e is not ConversationStateUpdateEvent).Select(e => e.Kind).ToList();
        Assert.Equal(["SystemPromptEvent", "MessageEvent", "ActionEvent", "ObservationEvent", "ActionEvent", "ObservationEvent"], kinds);
        var statuses = events.OfType<ConversationStateUpdateEvent>().Where(u => u.Key == "execution_status").Select(u => u.Value.GetString()).ToList();
        Assert.Equal(["running", "finished"], statuses);
        var think = events.OfType<ActionEvent>().First();
        Assert.Equal("plan", think.Summary);
        Assert.Equal("The user wants a greeting.", Assert.IsType<ThinkAction>(think.Action).Thought);
        var thinkResult = events.OfType<ObservationEvent>().First();
        Assert.Equal(think.Id, thinkResult.ActionId);
        Assert.Equal(think.ToolCallId, thinkResult.ToolCallId);

        var info = await server.Client.GetConversationAsync(created.Id);
        Assert.Equal(ExecutionStatus.Finished, info!.ExecutionStatus);
        Assert.Equal("Say hello", info.Title);
        Assert.Equal(200, info.Stats.UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal("Hello! All done.", await server.Client.GetFinalResponseAsync(created.Id));

        // What the model was sent: our system prompt, the task, both tools, and on the second call the think round trip.
        Assert.Equal(2, llm.Requests.Count);
        var first = llm.Requests[0];
        Assert.Equal("system", first.MessageRole(0));
        Assert.Equal("Say hello", first.MessageText(^1));
        Assert.Equal(["finish", "think"], first.ToolNames.Order());
        Assert.Equal("Bearer " + Requests.ApiKey, first.Authorization);
        var second = llm.Requests[1];
        Assert.Equal("tool", second.MessageRole(^1));
        Assert.Equal(think.ToolCallId, second.Messages[^1].GetProperty("tool_call_id").GetString());
        Assert.Equal(0, llm.UnscriptedRequests);
    }

    [Fact]
    public async Task ApiKey_NeverAppearsInResponsesOrEvents()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "ok" }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        var info = await server.Http.GetStringAsync($"api/conversations/{created.Id}");
        var events = await server.Http.GetStringAsync($"api/conversations/{created.Id}/events/search");
        Assert.DoesNotContain(Requests.ApiKey, info);
        Assert.Contains("\"api_key\":\"**********\"", info);
        Assert.DoesNotContain(Requests.ApiKey, events);
    }

    [Fact]
    public async Task TextReply_EndsTurn_AndFinalResponseIsThatText()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Text("Which file do you mean?"));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "fix the file"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        Assert.Equal("Which file do you mean?", await server.Client.GetFinalResponseAsync(created.Id));

        // A follow-up message with run=true continues the same conversation.
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "Fixed main.py" }));
        await server.Client.SendMessageAsync(created.Id, "main.py", run: true);
        await Wait.UntilAsync(async () => await server.Client.GetFinalResponseAsync(created.Id) == "Fixed main.py", "second answer");
        var last = llm.Requests[^1];
        Assert.Equal("main.py", last.MessageText(^1));
        Assert.Equal("Which file do you mean?", last.MessageText(^2));
    }

    [Fact]
    public async Task BadToolArguments_BecomeAnErrorTheModelCanRead_NotACrash()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCalls(ScriptedToolCall.Create("finish", new { msg = "wrong field" })),
            ScriptedReply.ToolCalls(ScriptedToolCall.Create("no_such_tool", new { })),
            ScriptedReply.ToolCalls(ScriptedToolCall.Create("think", "{not json")),
            ScriptedReply.ToolCall("finish", new { message = "recovered" }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        var errors = (await server.Client.AllEventsAsync(created.Id)).OfType<AgentErrorEvent>().Select(e => e.Error).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains("message", errors[0]);
        Assert.Contains("Parameters provided: ['msg']", errors[0]);
        Assert.StartsWith("Tool 'no_such_tool' not found", errors[1]);
        Assert.Contains("not valid JSON", errors[2]);
        // The model saw each error as the result of its call.
        Assert.Contains("Parameters provided", llm.Requests[1].MessageText(^1));
        Assert.Equal("recovered", await server.Client.GetFinalResponseAsync(created.Id));
    }

    [Fact]
    public async Task LlmFailure_BecomesConversationError_AndServerKeepsServing_KeyInNoLogLine()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Error(401, "Incorrect API key provided: " + Requests.ApiKey));
        using var logs = new Deckhand.Testing.Hosting.RecordingLoggerProvider();
        await using var server = await TestAgentServer.StartAsync(logs: logs);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        var error = (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Single();
        Assert.Equal("LLMAuthenticationError", error.Code);
        Assert.Equal("auth", error.Classification!.Kind);
        Assert.DoesNotContain(Requests.ApiKey, error.Detail);
        Assert.Equal("ok", JsonDocument.Parse(await server.Http.GetStringAsync("health")).RootElement.GetProperty("status").GetString());
        Assert.Contains(logs.Lines, line => line.Contains("LLMAuthenticationError", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(Requests.ApiKey, StringComparison.Ordinal));
    }
}
