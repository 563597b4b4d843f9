using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task KillNineMidRun_RestartOnSameDataDir_KeepsEverySentEvent_AndRunContinues()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "step one" }),
            ScriptedReply.ToolCall("think", new { thought = "step two" }),
            ScriptedReply.Hang());
        var dataDir = TempDir.Create("deckhand-crash");
        try
        {
            Guid id;
            List<Event> received;
            var (first, url) = await DeckhandProcess.StartServerAsync(dataDir);
            await using (first)
            {
                using var http = new HttpClient { BaseAddress = url };
                var client = new AgentServerClient(http);
                (var created, _) = await client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "do three things"));
                id = created.Id;
                await using var socket = await client.ConnectEventsAsync(id, new EventSocketOptions { ResendAll = true });
                // Read until the second think's result has been delivered; the third LLM call then hangs mid-run.
                var thinkResults = 0;
                received = await Wait.ForEventAsync(socket, e => e is ObservationEvent && ++thinkResults == 2);
                await llm.WaitForRequestAsync(2, Wait.Default);
                first.KillHard();
            }

            var (second, url2) = await DeckhandProcess.StartServerAsync(dataDir);
            await using (second)
            {
                using var http = new HttpClient { BaseAddress = url2 };
                var client = new AgentServerClient(http);
                var info = await client.GetConversationAsync(id);
                Assert.Equal(ExecutionStatus.Error, info!.ExecutionStatus);
                var stored = await client.AllEventsAsync(id);
                var storedIds = stored.Select(e => e.Id).ToHashSet();
                foreach (var e in received.Where(e => !(e is ConversationStateUpdateEvent { Key: "full_state" })))
                    Assert.Contains(e.Id, storedIds);
                var restart = stored.OfType<ConversationErrorEvent>().Single();
                Assert.Equal("ServerRestarted", restart.Code);

                llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "finished after restart" }));
                await client.RunAsync(id);
                await Wait.ForStatusAsync(client, id, ExecutionStatus.Finished);
                Assert.Equal("finished after restart", await client.GetFinalResponseAsync(id));
                // The resumed run sent the model the whole history, including work from before the crash.
                var resumed = llm.Requests[^1];
                Assert.Contains(resumed.Messages, m => m.ToString().Contains("step two", StringComparison.Ordinal));
            }
        }
        finally
        {
            TempDir.Delete(dataDir);
        }
    }

    [Fact]
    public async Task SigtermMidRun_StopsCleanly_AndTheConversationIsPausedNotLost()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Hang());
        var dataDir = TempDir.Create("deckhand-term");
        try
        {
            Guid id;
            var (first, url) = await DeckhandProcess.StartServerAsync(dataDir);
            await using (first)
            {
                using var http = new HttpClient { BaseAddress = url };
                (var created, _) = await new AgentServerClient(http).CreateConversationAsync(Requests.Start(llm.BaseUrl, "long job"));
                id = created.Id;
                await llm.WaitForRequestAsync(0, Wait.Default);
                first.Terminate();
                Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }

            var (second, url2) = await DeckhandProcess.StartServerAsync(dataDir);
            await using (second)
            {
                using var http = new HttpClient { BaseAddress = url2 };
                var client = new AgentServerClient(http);
                Assert.Equal(ExecutionStatus.Paused, (await client.GetConversationAsync(id))!.ExecutionStatus);
                Assert.DoesNotContain(await client.AllEventsAsync(id), e => e is ConversationErrorEvent);
                llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "resumed" }));
                await client.RunAsync(id);
                await Wait.ForStatusAsync(client, id, ExecutionStatus.Finished);
            }
        }
        finally
        {
            TempDir.Delete(dataDir);
        }
    }
}
