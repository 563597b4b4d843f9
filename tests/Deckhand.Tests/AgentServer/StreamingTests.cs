using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary><c>llm.stream = true</c>: deltas reach WebSocket subscribers live, the stored events stay whole.</summary>
public sealed class StreamingTests
{
    private static StartConversationRequest Streaming(Uri llmBaseUrl, bool stream = true)
    {
        var request = Requests.Start(llmBaseUrl);
        request.Agent!.Llm.Stream = stream;
        return request;
    }

    [Fact]
    public async Task TextReply_StreamsDeltasBeforeTheWholeMessage_AndOnlyTheMessageIsStored()
    {
        const string answer = "Hello there, this answer arrives in pieces.";
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Text(answer));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Streaming(llm.BaseUrl));
        await using var socket = await server.Client.ConnectEventsAsync(created.Id);
        Assert.Equal("full_state", Assert.IsType<ConversationStateUpdateEvent>(await socket.ReadAsync()).Key);

        await server.Client.SendMessageAsync(created.Id, "say something", run: true);
        var seen = await Wait.ForEventAsync(socket, e => e is MessageEvent { Source: EventSource.Agent });

        var deltas = seen.OfType<StreamingDeltaEvent>().ToList();
        Assert.True(deltas.Count >= 2, $"expected several deltas, got {deltas.Count}");
        Assert.Equal(answer, string.Concat(deltas.Select(d => d.Content)));
        Assert.All(deltas, d => Assert.Equal(EventSource.Agent, d.Source));
        // Every delta came before the stored message, which carries the whole text.
        Assert.IsType<MessageEvent>(seen[^1]);
        Assert.Equal(answer, ((MessageEvent)seen[^1]).LlmMessage.Text());

        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var stored = await server.Client.AllEventsAsync(created.Id);
        Assert.DoesNotContain(stored, e => e is StreamingDeltaEvent);
        Assert.DoesNotContain((await server.Client.SearchEventsAsync(created.Id)).Items, e => e is StreamingDeltaEvent);
        Assert.Equal(answer, stored.OfType<MessageEvent>().Single(m => m.Source == EventSource.Agent).LlmMessage.Text());

        var request = Assert.Single(llm.Requests);
        Assert.True(request.Stream);
    }

    [Fact]
    public async Task StreamedReasoning_ReachesSubscribersAsReasoningDeltas_AndIsStoredWhole()
    {
        const string reasoning = "The user wants a greeting; keep it short.";
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Text("Hello!").WithReasoning(reasoning));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Streaming(llm.BaseUrl));
        await using var socket = await server.Client.ConnectEventsAsync(created.Id);
        Assert.Equal("full_state", Assert.IsType<ConversationStateUpdateEvent>(await socket.ReadAsync()).Key);

        await server.Client.SendMessageAsync(created.Id, "greet me", run: true);
        var seen = await Wait.ForEventAsync(socket, e => e is MessageEvent { Source: EventSource.Agent });

        // DeepSeek/vLLM-style delta.reasoning_content pieces arrive as the deltas' reasoning_content, before the text.
        var deltas = seen.OfType<StreamingDeltaEvent>().ToList();
        Assert.Equal(reasoning, string.Concat(deltas.Select(d => d.ReasoningContent)));
        Assert.Equal("Hello!", string.Concat(deltas.Select(d => d.Content)));
        Assert.True(deltas.FindLastIndex(d => d.ReasoningContent is not null) < deltas.FindIndex(d => d.Content is not null));
        var message = Assert.IsType<MessageEvent>(seen[^1]);
        Assert.Equal(reasoning, message.LlmMessage.ReasoningContent);

        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var stored = (await server.Client.AllEventsAsync(created.Id)).OfType<MessageEvent>().Single(m => m.Source == EventSource.Agent);
        Assert.Equal(reasoning, stored.LlmMessage.ReasoningContent);
    }

    [Fact]
    public async Task StreamedToolCalls_RunTheToolsExactlyAsWithoutStreaming()
    {
        var streamed = await RunThinkThenFinishAsync(stream: true);
        var plain = await RunThinkThenFinishAsync(stream: false);

        Assert.Equal(plain.Kinds, streamed.Kinds);
        Assert.Equal(plain.Calls, streamed.Calls);
        Assert.Equal(plain.Thoughts, streamed.Thoughts);
        Assert.Equal(plain.Final, streamed.Final);
        Assert.Equal("All done.", streamed.Final);
        Assert.Equal(plain.Prompt, streamed.Prompt);
        Assert.Equal(plain.Completion, streamed.Completion);
        Assert.True(streamed.Prompt > 0);
        Assert.All(streamed.Requests, r => Assert.True(r));
        Assert.All(plain.Requests, r => Assert.False(r));
    }

    private sealed record RunShape(List<string> Kinds, List<string> Calls, List<string> Thoughts, string? Final,
        long Prompt, long Completion, List<bool> Requests);

    private static async Task<RunShape> RunThinkThenFinishAsync(bool stream)
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCalls("Let me think about it first.", ScriptedToolCall.Create("think", new { thought = "A plan with \"quotes\" and ünïcode." })),
            ScriptedReply.ToolCall("finish", new { message = "All done." }));
        await using var server = await TestAgentServer.StartAsync();
        var request = Streaming(llm.BaseUrl, stream);
        request.InitialMessage = new SendMessageRequest { Content = [new Contracts.Content.TextContent("go")] };
        var (created, _) = await server.Client.CreateConversationAsync(request);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.DoesNotContain(events, e => e is StreamingDeltaEvent);
        var actions = events.OfType<ActionEvent>().ToList();
        Assert.Equal(["think", "finish"], actions.Select(a => a.ToolName));
        Assert.Equal("A plan with \"quotes\" and ünïcode.", Assert.IsType<ThinkAction>(actions[0].Action).Thought);
        var info = await server.Client.GetConversationAsync(created.Id);
        var usage = info!.Stats.UsageToMetrics["default"].AccumulatedTokenUsage!;
        return new RunShape(
            [.. events.Select(e => e.Kind)],
            [.. actions.Select(a => a.ToolCall.Name + " " + a.ToolCall.Arguments)],
            [.. actions.Select(a => string.Concat(a.Thought.Select(t => t.Text)))],
            await server.Client.GetFinalResponseAsync(created.Id),
            usage.PromptTokens, usage.CompletionTokens,
            [.. llm.Requests.Select(r => r.Stream)]);
    }

    [Fact]
    public async Task Interrupt_DuringAStream_CancelsIt()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.StreamPieceLength = 2;
        llm.Enqueue(ScriptedReply.Text("a long answer that trickles out very slowly") with { ChunkInterval = TimeSpan.FromSeconds(1) });
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Streaming(llm.BaseUrl));
        await using var socket = await server.Client.ConnectEventsAsync(created.Id);
        Assert.Equal("full_state", Assert.IsType<ConversationStateUpdateEvent>(await socket.ReadAsync()).Key);

        await server.Client.SendMessageAsync(created.Id, "talk", run: true);
        await Wait.ForEventAsync(socket, e => e is StreamingDeltaEvent);
        await server.Client.InterruptAsync(created.Id);

        var request = Assert.Single(llm.Requests);
        await request.Aborted.WaitAsync(Wait.Default);
        await Wait.UntilAsync(async () => (await server.Client.GetConversationAsync(created.Id))!.ExecutionStatus != ExecutionStatus.Running,
            "the run stopped");
        var stored = await server.Client.AllEventsAsync(created.Id);
        Assert.DoesNotContain(stored, e => e is StreamingDeltaEvent);
        Assert.DoesNotContain(stored, e => e is MessageEvent { Source: EventSource.Agent });
    }
}
