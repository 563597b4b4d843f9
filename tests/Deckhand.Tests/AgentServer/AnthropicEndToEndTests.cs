using System.Text.Json;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>The end-to-end conversation of <see cref="EndToEndTests"/>, with an <c>anthropic/</c> model: the agent goes
/// through the official Anthropic SDK and the scripted server answers in the Messages wire format.</summary>
public sealed class AnthropicEndToEndTests
{
    private static StartConversationRequest Start(ScriptedLlmServer llm, string message)
    {
        var request = Requests.Start(llm.AnthropicBaseUrl, message);
        request.Agent!.Llm.Model = "anthropic/claude-test";
        return request;
    }

    [Fact]
    public async Task CreateWithInitialMessage_RunsToFinish_OverTheAnthropicWireFormat()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "The user wants a greeting.", summary = "plan" }),
            ScriptedReply.ToolCall("finish", new { message = "Hello! All done." }));
        await using var server = await TestAgentServer.StartAsync();

        var (created, isNew) = await server.Client.CreateConversationAsync(Start(llm, "Say hello"));
        Assert.True(isNew);
        await using var socket = await server.Client.ConnectEventsAsync(created.Id, new EventSocketOptions { ResendAll = true });
        var events = await Wait.ForEventAsync(socket, e => Wait.IsStatus(e, "finished"));

        var kinds = events.Skip(1).Where(e => e is not ConversationStateUpdateEvent).Select(e => e.Kind).ToList();
        Assert.Equal(["SystemPromptEvent", "MessageEvent", "ActionEvent", "ObservationEvent", "ActionEvent", "ObservationEvent"], kinds);
        var statuses = events.OfType<ConversationStateUpdateEvent>().Where(u => u.Key == "execution_status").Select(u => u.Value.GetString()).ToList();
        Assert.Equal(["running", "finished"], statuses);
        var think = events.OfType<ActionEvent>().First();
        Assert.Equal("plan", think.Summary);
        Assert.Equal("The user wants a greeting.", Assert.IsType<ThinkAction>(think.Action).Thought);
        Assert.StartsWith("toolu_", think.ToolCallId);
        Assert.StartsWith("msg_", think.LlmResponseId);
        Assert.Equal("""{"thought":"The user wants a greeting.","summary":"plan"}""", think.ToolCall.Arguments);

        var info = await server.Client.GetConversationAsync(created.Id);
        Assert.Equal(ExecutionStatus.Finished, info!.ExecutionStatus);
        Assert.Equal("Hello! All done.", await server.Client.GetFinalResponseAsync(created.Id));

        Assert.Equal(2, llm.Requests.Count);
        Assert.All(llm.Requests, r => Assert.Equal(ScriptedWireFormat.AnthropicMessages, r.Format));
        var first = llm.Requests[0];
        Assert.Equal("claude-test", first.Model);
        Assert.True(first.Json.GetProperty("max_tokens").GetInt32() > 0);
        Assert.True(first.ApiKeyHeader == Requests.ApiKey || first.Authorization == "Bearer " + Requests.ApiKey);
        // Our system prompt as Anthropic's top-level system, its static block cache-marked, the dynamic one not.
        var system = first.SystemJson!.Value;
        Assert.Equal(JsonValueKind.Array, system.ValueKind);
        Assert.StartsWith("You are Deckhand", first.SystemPrompt);
        Assert.Contains("Current date and time", first.SystemPrompt);
        Assert.Equal("ephemeral", system[0].GetProperty("cache_control").GetProperty("type").GetString());
        Assert.All(system.EnumerateArray().Skip(1), block => Assert.False(block.TryGetProperty("cache_control", out _)));
        Assert.Equal("Say hello", first.MessageText(^1));
        Assert.Equal(["finish", "think"], first.ToolNames.Order());
        Assert.All(first.Tools, tool => Assert.Equal(JsonValueKind.Object, tool.GetProperty("input_schema").ValueKind));

        // The think round trip: the tool_use with its input, then its tool_result.
        var second = llm.Requests[1];
        var toolUse = second.Messages[^2].GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "tool_use");
        Assert.Equal(think.ToolCallId, toolUse.GetProperty("id").GetString());
        Assert.Equal("plan", toolUse.GetProperty("input").GetProperty("summary").GetString());
        var toolResult = second.Messages[^1].GetProperty("content")[0];
        Assert.Equal("tool_result", toolResult.GetProperty("type").GetString());
        Assert.Equal(think.ToolCallId, toolResult.GetProperty("tool_use_id").GetString());
        Assert.Equal(0, llm.UnscriptedRequests);
    }

    [Fact]
    public async Task AnthropicAuthenticationError_EndsTheConversationInError_WithoutTheKey()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Error(401, "invalid x-api-key: " + Requests.ApiKey));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Start(llm, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        var error = (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Single();
        Assert.Equal("LLMAuthenticationError", error.Code);
        Assert.Contains("invalid x-api-key", error.Detail);
        Assert.DoesNotContain(Requests.ApiKey, error.Detail);
        var events = await server.Http.GetStringAsync($"api/conversations/{created.Id}/events/search");
        Assert.DoesNotContain(Requests.ApiKey, events);
        Assert.Equal(ScriptedWireFormat.AnthropicMessages, Assert.Single(llm.Requests).Format);
    }
}
