using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

public sealed class WebSocketTests
{
    [Fact]
    public async Task UnknownConversation_Closes4004()
    {
        await using var server = await TestAgentServer.StartAsync();
        await using var socket = await server.Client.ConnectEventsAsync(Guid.NewGuid());
        Assert.Null(await socket.ReadAsync());
        Assert.Equal(4004, (int)socket.CloseStatus!);
    }

    [Fact]
    public async Task TwoClients_SeeTheSameStream()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        await using var a = await server.Client.ConnectEventsAsync(created.Id);
        await using var b = await server.Client.ConnectEventsAsync(created.Id);
        Assert.Equal("full_state", Assert.IsType<ConversationStateUpdateEvent>(await a.ReadAsync()).Key);
        Assert.Equal("full_state", Assert.IsType<ConversationStateUpdateEvent>(await b.ReadAsync()).Key);

        llm.Enqueue(ScriptedReply.ToolCall("think", new { thought = "hmm" }), ScriptedReply.ToolCall("finish", new { message = "ok" }));
        await server.Client.SendMessageAsync(created.Id, "go", run: true);
        var seenByA = await Wait.ForEventAsync(a, e => Wait.IsStatus(e, "finished"));
        var seenByB = await Wait.ForEventAsync(b, e => Wait.IsStatus(e, "finished"));
        Assert.Equal(seenByA.Select(e => e.Id), seenByB.Select(e => e.Id));
        Assert.Equal(seenByA.Select(e => e.Id).Distinct().Count(), seenByA.Count);
        Assert.Contains(seenByA, e => e is MessageEvent { Source: EventSource.User });
    }

    [Fact]
    public async Task Reconnect_WithAfterEventId_YieldsExactlyTheMissedEvents()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("think", new { thought = "one" }), ScriptedReply.ToolCall("finish", new { message = "first done" }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "first task"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var before = await server.Client.AllEventsAsync(created.Id);
        var lastSeen = before[^1].Id;

        // While "disconnected", more happens.
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "second done" }));
        await server.Client.SendMessageAsync(created.Id, "second task", run: true);
        await Wait.UntilAsync(async () => await server.Client.GetFinalResponseAsync(created.Id) == "second done", "second run");
        var all = await server.Client.AllEventsAsync(created.Id);
        var missed = all.SkipWhile(e => e.Id != lastSeen).Skip(1).Select(e => e.Id).ToList();
        Assert.NotEmpty(missed);

        await using var socket = await server.Client.ConnectEventsAsync(created.Id, new EventSocketOptions { AfterEventId = lastSeen });
        Assert.Equal("full_state", Assert.IsType<ConversationStateUpdateEvent>(await socket.ReadAsync()).Key);
        var replayed = new List<string>();
        while (replayed.Count < missed.Count)
            replayed.Add((await socket.ReadAsync())!.Id);
        Assert.Equal(missed, replayed);
    }

    [Fact]
    public async Task Reconnect_WithSince_ReplaysFromThatTime_AndResendAllReplaysEverything()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "task"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var all = await server.Client.AllEventsAsync(created.Id);
        var pivot = all.First(e => e is ActionEvent);
        var expected = all.Where(e => string.CompareOrdinal(e.Timestamp, pivot.Timestamp) >= 0).Select(e => e.Id).ToList();

        await using (var since = await server.Client.ConnectEventsAsync(created.Id, new EventSocketOptions { AfterTimestamp = pivot.Timestamp }))
        {
            await since.ReadAsync(); // full state
            var got = new List<string>();
            while (got.Count < expected.Count)
                got.Add((await since.ReadAsync())!.Id);
            Assert.Equal(expected, got);
        }
        await using var everything = await server.Client.ConnectEventsAsync(created.Id, new EventSocketOptions { ResendAll = true });
        await everything.ReadAsync();
        var replay = new List<string>();
        while (replay.Count < all.Count)
            replay.Add((await everything.ReadAsync())!.Id);
        Assert.Equal(all.Select(e => e.Id), replay);
    }

    [Fact]
    public async Task ClientFrame_AppendsUserMessage_AndStartsARun_BadFrameGetsServerError()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "answered" }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        await using var socket = await server.Client.ConnectEventsAsync(created.Id);
        await socket.ReadAsync();

        await socket.SendRawAsync("{not json");
        var error = (await Wait.ForEventAsync(socket, e => e is ServerErrorEvent)).OfType<ServerErrorEvent>().Single();
        Assert.Equal("ValidationError", error.Code);

        await socket.SendMessageAsync("hello from the socket");
        await Wait.ForEventAsync(socket, e => Wait.IsStatus(e, "finished"));
        Assert.Equal("hello from the socket", llm.Requests.Single().MessageText(^1));
    }

    [Fact]
    public async Task UnknownAfterEventId_IsRefused_NotSilentlyReplayed()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        await using var socket = await server.Client.ConnectEventsAsync(created.Id, new EventSocketOptions { AfterEventId = "no-such-event" });
        Assert.Null(await socket.ReadAsync());
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }
}
