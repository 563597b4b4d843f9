using System.Text.Json;
using Deckhand.AgentServer.Webhooks;
using Deckhand.Contracts.Conversations;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AgentServer;

/// <summary>Agent-server webhooks (agent-server spec §1.11) against a real loopback receiver.</summary>
public sealed class WebhookTests
{
    private const string SessionKey = "sandbox-session-key-1";

    private static WebhookSpec Spec(WebhookReceiver receiver, int bufferSize = 5, int retries = 1, int maxQueue = 1000) => new()
    {
        BaseUrl = new Uri(receiver.BaseUrl, "api/v1/webhooks/sb1").ToString(),
        Headers = new Dictionary<string, string> { ["X-Extra"] = "extra-value" },
        EventBufferSize = bufferSize,
        FlushDelay = 0.2,
        NumRetries = retries,
        RetryDelay = 0.05,
        MaxQueueSize = maxQueue,
    };

    [Fact]
    public async Task Run_PostsItsEventsInBatches_AndLifecycleInfo_WithTheSessionKey()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "first" }),
            ScriptedReply.ToolCall("think", new { thought = "second" }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await TestAgentServer.StartAsync(keys: [SessionKey], webhooks: [Spec(receiver)]);

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "Do the thing"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var log = await server.Client.AllEventsAsync(created.Id);
        await Wait.UntilAsync(() => Task.FromResult(ReceivedEventIds(receiver, created.Id).Count >= log.Count), "every event delivered");

        // Every event once, in log order, in batches of JSON arrays at /events/<hex>.
        Assert.Equal(log.Select(e => e.Id), ReceivedEventIds(receiver, created.Id));
        var batches = receiver.Accepted.Where(p => p.Path == $"/api/v1/webhooks/sb1/events/{created.Id:N}").ToList();
        Assert.All(batches, b => Assert.Equal(JsonValueKind.Array, b.Json.ValueKind));
        Assert.Contains(batches, b => b.Json.GetArrayLength() > 1);
        Assert.True(batches.Count < log.Count, $"{batches.Count} posts for {log.Count} events: not batched");
        Assert.All(receiver.Posts, p =>
        {
            Assert.Equal(SessionKey, p.Headers["x-session-api-key"]);
            Assert.Equal("extra-value", p.Headers["x-extra"]);
            Assert.StartsWith("application/json", p.Headers["content-type"]);
        });
        // Full dump: nulls are written (OpenHands' model_dump), and kinds are OpenHands class names.
        var first = batches[0].Json[0];
        Assert.Equal("SystemPromptEvent", first.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("parent_id").ValueKind);

        // Lifecycle: the info on creation; pause posts it again with the new status.
        await Wait.UntilAsync(() => Task.FromResult(Infos(receiver).Count >= 1), "the creation info");
        var info = Infos(receiver)[0];
        Assert.Equal(created.Id, info.GetProperty("id").GetGuid());
        Assert.Equal("openai/scripted-model", info.GetProperty("agent").GetProperty("llm").GetProperty("model").GetString());
        await server.Client.SendMessageAsync(created.Id, "more", run: false);
        await server.Client.PauseAsync(created.Id);
        await Wait.UntilAsync(() => Task.FromResult(Infos(receiver).Any(i => Status(i) == "paused")), "the pause info");

        // Delete: the last events first, then the info with execution_status "deleting".
        await server.Client.DeleteConversationAsync(created.Id);
        await Wait.UntilAsync(() => Task.FromResult(Infos(receiver).Any(i => Status(i) == "deleting")), "the deleting info");
        var posts = receiver.Accepted.ToList();
        var deleting = posts.FindIndex(p => p.Path.EndsWith("/conversations", StringComparison.Ordinal) && Status(p.Json) == "deleting");
        var lastEvents = posts.FindLastIndex(p => p.Path.Contains("/events/", StringComparison.Ordinal));
        Assert.True(lastEvents < deleting, "events after the deleting info");
        Assert.Contains("PauseEvent", string.Join(",", posts[lastEvents].Json.EnumerateArray().Select(e => e.GetProperty("kind").GetString())));

        // Secrets never leave redacted form.
        Assert.All(receiver.Posts, p => Assert.DoesNotContain(Requests.ApiKey, p.Body));
        Assert.Equal("**********", info.GetProperty("agent").GetProperty("llm").GetProperty("api_key").GetString());
    }

    [Fact]
    public async Task FailingReceiver_GetsEveryEventOnceItRecovers_AndTheRunIsNotAffected()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "one" }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(8);
        await using var server = await TestAgentServer.StartAsync(keys: [SessionKey], webhooks: [Spec(receiver, bufferSize: 2)]);

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var log = await server.Client.AllEventsAsync(created.Id);
        Assert.Equal(ExecutionStatus.Finished, (await server.Client.GetConversationAsync(created.Id))!.ExecutionStatus);

        await Wait.UntilAsync(() => Task.FromResult(ReceivedEventIds(receiver, created.Id).Count >= log.Count), "delivery after the receiver recovered");
        Assert.True(receiver.Posts.Count(p => p.Status == 500) >= 8);
        Assert.Equal(log.Select(e => e.Id), ReceivedEventIds(receiver, created.Id));
    }

    [Fact]
    public async Task HangingReceiver_DoesNotStallTheRunOrTheApi()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "one" }),
            ScriptedReply.ToolCall("think", new { thought = "two" }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.HangAll();
        var spec = Spec(receiver, bufferSize: 1) with { RequestTimeout = TimeSpan.FromMinutes(5) };
        await using var server = await TestAgentServer.StartAsync(keys: [SessionKey], webhooks: [spec],
            webhookShutdownGrace: TimeSpan.FromMilliseconds(300));

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await Wait.UntilAsync(() => Task.FromResult(receiver.Hung > 0), "a hung post");
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var log = await server.Client.AllEventsAsync(created.Id);
        Assert.Equal(3, log.Count(e => e.Kind == "ActionEvent"));
        Assert.Empty(receiver.Accepted);
        // The API answers and a delete completes while posts hang.
        Assert.NotNull(await server.Client.GetConversationAsync(created.Id));
        await server.Client.DeleteConversationAsync(created.Id);
        Assert.Null(await server.Client.GetConversationAsync(created.Id));
    }

    [Fact]
    public async Task QueueBeyondItsCap_DropsTheOldestEvents()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "one" }),
            ScriptedReply.ToolCall("think", new { thought = "two" }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(int.MaxValue);
        await using var server = await TestAgentServer.StartAsync(keys: [SessionKey], webhooks: [Spec(receiver, bufferSize: 2, maxQueue: 3)]);

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var log = await server.Client.AllEventsAsync(created.Id);
        var publisher = server.App.Services.GetRequiredService<WebhookPublisher>();
        Assert.True(publisher.Pending(created.Id) <= 3);

        receiver.FailNext(0);
        await Wait.UntilAsync(() => Task.FromResult(ReceivedEventIds(receiver, created.Id).Count >= 3 && publisher.Pending(created.Id) == 0), "the newest events");
        // Only the newest survive: the received events are the end of the log. At most the queue's cap plus one batch
        // (taken out of the queue, failing and being retried when the receiver recovered) get through.
        var final = await server.Client.AllEventsAsync(created.Id);
        var received = ReceivedEventIds(receiver, created.Id);
        Assert.True(received.Count <= 3 + 3, $"{received.Count} delivered of {final.Count}");
        Assert.True(final.Count > received.Count + 3, $"nothing was dropped ({received.Count} delivered of {final.Count})");
        // The newest events all arrive, in log order; a batch that was in flight when the queue overflowed may come
        // (once) before them, so only the order and the tail are exact.
        var order = final.Select(e => e.Id).ToList();
        Assert.Equal(received.OrderBy(order.IndexOf), received);
        Assert.Subset(received.ToHashSet(), final.TakeLast(3).Select(e => e.Id).ToHashSet());
    }

    [Fact]
    public async Task Fork_PostsItsCopiedHistory_AsItsOwnEvents()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await TestAgentServer.StartAsync(keys: [SessionKey], webhooks: [Spec(receiver)]);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "go"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        var fork = await server.Client.ForkConversationAsync(created.Id);
        var forkLog = await server.Client.AllEventsAsync(fork.Id);
        await Wait.UntilAsync(() => Task.FromResult(ReceivedEventIds(receiver, fork.Id).Count >= forkLog.Count), "the fork's history");
        Assert.Equal(forkLog.Select(e => e.Id), ReceivedEventIds(receiver, fork.Id));
        await Wait.UntilAsync(() => Task.FromResult(Infos(receiver).Any(i => i.GetProperty("id").GetGuid() == fork.Id)), "the fork's info");
    }

    private static List<string> ReceivedEventIds(WebhookReceiver receiver, Guid conversationId) =>
        [.. receiver.Accepted.Where(p => p.Path.EndsWith($"/events/{conversationId:N}", StringComparison.Ordinal))
            .SelectMany(p => p.Json.EnumerateArray()).Select(e => e.GetProperty("id").GetString()!)];

    private static List<JsonElement> Infos(WebhookReceiver receiver) =>
        [.. receiver.Accepted.Where(p => p.Path.EndsWith("/conversations", StringComparison.Ordinal)).Select(p => p.Json)];

    private static string? Status(JsonElement info) => info.GetProperty("execution_status").GetString();
}
