using Deckhand.AppServer.AppConversations.Messages;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Sandboxes.Processes;
using Deckhand.Contracts.Content;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AppServer;

/// <summary>
/// An app-server restart settles what it interrupted: no start task stays working, no queued message is lost, and a
/// re-adopted sandbox posts its events to the app server where it listens now (another port).
/// </summary>
public sealed class StartRestartTests(PostgresServer postgres) : IAsyncLifetime
{
    private readonly string _dir = TempDir.Create("deckhand-start-restart");
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _llm.DisposeAsync();
        Procs.KillUnder(_dir);
        TempDir.Delete(_dir);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Restart_InterruptedStartEndsInError_AndMessagesStillQueuedForAReadyConversationAreDelivered(string backend)
    {
        var dataDir = Path.Combine(_dir, "data-" + backend);
        var database = await TestDatabases.ConnectionAsync(backend, postgres);
        var slowRepo = AppFlow.CreateRepository(_dir, "slow-" + backend, new Dictionary<string, string>
        {
            [".openhands/setup.sh"] = "sleep 120\n",
        });

        var first = await TestAppServer.StartAsync(dataDir, database);
        var flow = new AppFlow(first);
        await flow.ConfigureAsync(_llm);
        var ready = (await flow.StreamStartAsync("{}"))[^1];
        var readyTaskId = ready.GetProperty("id").GetString()!;
        var sandboxId = ready.GetProperty("sandbox_id").GetString()!;
        // As if the server stopped right after queueing a message and before delivering it.
        await first.App.Services.GetRequiredService<PendingMessageRepository>()
            .AddAsync(PendingMessageDelivery.Key(readyTaskId), "user", [new TextContent("queued before the restart")]);
        var slow = await flow.StartAsync($$"""{"selected_repository":"{{slowRepo}}","sandbox_id":"{{sandboxId}}"}""");
        var slowTaskId = slow.GetProperty("id").GetString()!;
        await flow.WaitForStatusAsync(slowTaskId, "RUNNING_SETUP_SCRIPT");
        var firstPort = first.BaseUrl.Port;
        await first.StopKeepingSandboxesAsync();

        _llm.Enqueue(ScriptedReply.Text("Got it."));
        // The old port stays taken (bound, not listening: posts to it are refused), so the restart lands elsewhere.
        using var oldPort = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Tcp);
        oldPort.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, firstPort));
        await using var second = await TestAppServer.StartAsync(dataDir, database);
        Assert.NotEqual(firstPort, second.BaseUrl.Port);
        var again = new AppFlow(second);
        var interrupted = await again.TaskAsync(slowTaskId);
        Assert.Equal("ERROR", interrupted.GetProperty("status").GetString());
        Assert.Equal("RUNNING_SETUP_SCRIPT: the app server stopped while this conversation was starting; start it again.",
            interrupted.GetProperty("detail").GetString());

        await Wait.UntilAsync(() => Task.FromResult(_llm.Requests.Any(r => r.Body.Contains("queued before the restart", StringComparison.Ordinal))),
            "the queued message to reach the agent after the restart", TimeSpan.FromSeconds(60));
        var pending = second.App.Services.GetRequiredService<PendingMessageRepository>();
        await Wait.UntilAsync(async () => await pending.CountAsync(PendingMessageDelivery.Key(readyTaskId)) == 0, "the delivered message to leave the queue");
        var conversationId = ready.GetProperty("app_conversation_id").GetString()!;
        var conversation = await again.ConversationAsync(conversationId);
        Assert.Equal("RUNNING", conversation.GetProperty("sandbox_status").GetString());

        // The re-adopted sandbox was pointed at the new address; what it does now reaches the new server's event copy.
        Assert.Equal($"{second.BaseUrl.ToString().TrimEnd('/')}/api/v1/webhooks/{sandboxId}",
            File.ReadAllText(Path.Combine(dataDir, "sandboxes", sandboxId, ProcessSandboxProvider.WebhookUrlFileName)).Trim());
        _llm.Enqueue(ScriptedReply.Text("Answered after the move."));
        await again.JsonAsync(HttpMethod.Post, $"api/v1/app-conversations/{conversationId}/send-message",
            """{"role":"user","content":[{"type":"text","text":"sent to the moved server"}]}""");
        var copy = $"api/v1/events/search?conversation_id__eq={conversationId}&limit=100";
        await Wait.UntilAsync(async () =>
            {
                var events = await second.Http.GetStringAsync(copy);
                return events.Contains("Got it.", StringComparison.Ordinal) && events.Contains("sent to the moved server", StringComparison.Ordinal)
                    && events.Contains("Answered after the move.", StringComparison.Ordinal);
            }, "the re-adopted sandbox's new events to reach the restarted app server", TimeSpan.FromSeconds(60));
    }
}
