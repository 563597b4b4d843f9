using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>A model without native tool calls (<c>native_tool_calling: false</c>) works through calls written as text.</summary>
public sealed class PromptToolCallingTests
{
    private static StartConversationRequest Start(ScriptedLlmServer llm, string task)
    {
        var request = Requests.Start(llm.BaseUrl, task);
        request.Agent!.Llm.NativeToolCalling = false;
        return request;
    }

    [Fact]
    public async Task ModelWithoutNativeToolCalls_CompletesTheTask_ThroughCallsWrittenAsText()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.Text("First I will plan.\n<function=think>\n<parameter=thought>\nStep one: greet.\nStep two: stop.\n</parameter>\n</function>"),
            ScriptedReply.Text("<function=finish><parameter=message>done</parameter></function>"));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, "Say hello"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        Assert.Contains("\"native_tool_calling\":false", await server.Http.GetStringAsync($"api/conversations/{created.Id}"));
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.Empty(events.OfType<AgentErrorEvent>());
        var actions = events.OfType<ActionEvent>().ToList();
        Assert.Equal(2, actions.Count);
        var think = Assert.IsType<ThinkAction>(actions[0].Action);
        Assert.Equal("Step one: greet.\nStep two: stop.", think.Thought);
        Assert.Equal("First I will plan.", Assert.Single(actions[0].Thought).Text);
        Assert.Equal("think", actions[0].ToolName);
        Assert.Equal("done", Assert.IsType<FinishAction>(actions[1].Action).Message);
        Assert.Equal(2, events.OfType<ObservationEvent>().Count());
        Assert.Equal("done", await server.Client.GetFinalResponseAsync(created.Id));

        Assert.Equal(2, llm.Requests.Count);
        foreach (var request in llm.Requests)
        {
            Assert.False(request.Json.TryGetProperty("tools", out _), "no tools array in prompt mode");
            Assert.Equal("</function", request.Json.GetProperty("stop").EnumerateArray().Single().GetString());
            var system = request.MessageText(0)!;
            Assert.Equal("system", request.MessageRole(0));
            Assert.Contains("### think", system);
            Assert.Contains("### finish", system);
            Assert.Contains("- message (string, required)", system);
        }
        // The second request replays the think call as text and its result as the user's turn.
        var second = llm.Requests[1];
        Assert.All(second.Messages, m => Assert.NotEqual("tool", m.GetProperty("role").GetString()));
        Assert.Equal("assistant", second.MessageRole(^2));
        Assert.Contains("<function=think>\n<parameter=thought>\nStep one: greet.\nStep two: stop.\n</parameter>\n</function>", second.MessageText(^2));
        Assert.Equal("user", second.MessageRole(^1));
        Assert.StartsWith("Result of think:\n", second.MessageText(^1));
    }

    [Fact]
    public async Task MalformedCall_IsAnsweredWithACorrection_AndTheModelRecovers()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.Text("<function=finish>\n<parameter name=\"message\">done</parameter>\n</function>"),
            ScriptedReply.Text("<function=finish>\n<parameter=message>done</parameter>\n</function>"));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        var error = Assert.Single((await server.Client.AllEventsAsync(created.Id)).OfType<AgentErrorEvent>());
        Assert.Contains("unexpected text inside the call", error.Error);
        var correction = llm.Requests[1].MessageText(^1)!;
        Assert.StartsWith("Result of finish:\n", correction);
        Assert.Contains("<parameter=NAME>value</parameter>", correction);
        Assert.Equal("done", await server.Client.GetFinalResponseAsync(created.Id));
    }
}
