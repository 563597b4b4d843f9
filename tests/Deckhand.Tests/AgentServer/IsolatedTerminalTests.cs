using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Isolation;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>The agent's terminal, driven through the server, runs inside bubblewrap.</summary>
public sealed class IsolatedTerminalTests
{
    [Fact]
    public async Task Terminal_UnderBubblewrap_WritesOnlyTheWorkspace_CannotSeeTheDatabase_ButCanReadItsSavedOutput()
    {
        var workspace = TempDir.Create("deckhand-iso-ws");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            await using var server = await TestAgentServer.StartAsync(isolation: new IsolationOptions { Mode = IsolationMode.Bubblewrap });
            var database = Path.Combine(server.DataDir, "deckhand.db");
            llm.Enqueue(
                ScriptedReply.ToolCall("terminal", new { command = "touch /etc/deckhand-escape; echo etc=$?" }),
                ScriptedReply.ToolCall("terminal", new { command = "echo inside > made-here.txt && echo ws=$?" }),
                ScriptedReply.ToolCall("terminal", new { command = $"test -e {database}; echo db=$?" }),
                ScriptedReply.ToolCall("terminal", new { command = "head -c 100000 /dev/zero | tr '\\0' 'x'" }),
                ScriptedReply.ToolCall("finish", new { message = "checked" }));
            var request = Requests.Start(llm.BaseUrl, "probe the sandbox");
            request = request with
            {
                Workspace = new Workspace { WorkingDir = workspace },
                Agent = request.Agent! with { Tools = [new ToolSpec { Name = "terminal" }] },
            };
            var (created, _) = await server.Client.CreateConversationAsync(request);
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            var outputs = (await server.Client.AllEventsAsync(created.Id)).OfType<ObservationEvent>()
                .Select(o => o.Observation).OfType<TerminalObservation>().ToList();
            Assert.Equal(4, outputs.Count);
            Assert.Contains("etc=1", outputs[0].Text());
            Assert.False(File.Exists("/etc/deckhand-escape"));
            Assert.Contains("ws=0", outputs[1].Text());
            Assert.Equal("inside\n", await File.ReadAllTextAsync(Path.Combine(workspace, "made-here.txt")));
            Assert.True(File.Exists(database));
            Assert.Contains("db=1", outputs[2].Text());

            // The big output was cut for the model; the full copy is readable from inside the sandbox.
            var big = outputs[3];
            Assert.NotNull(big.FullOutputSaveDir);
            var saved = Directory.GetFiles(big.FullOutputSaveDir!).Single();
            llm.Enqueue(
                ScriptedReply.ToolCall("terminal", new { command = $"wc -c < {saved}" }),
                ScriptedReply.ToolCall("finish", new { message = "read it" }));
            await server.Client.SendMessageAsync(created.Id, "read the saved output", run: true);
            await Wait.UntilAsync(async () => await server.Client.GetFinalResponseAsync(created.Id) == "read it", "second run");
            var count = (await server.Client.AllEventsAsync(created.Id)).OfType<ObservationEvent>()
                .Select(o => o.Observation).OfType<TerminalObservation>().Last();
            Assert.Equal(0, count.ExitCode);
            Assert.Contains("100000", count.Text());
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }
}
