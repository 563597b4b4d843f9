using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>A real task through the real tools: create a file, edit it, run it in the terminal, finish.</summary>
public sealed class ToolsEndToEndTests
{
    [Fact]
    public async Task Agent_CreatesEditsAndRunsAScript_AndTheWorkspaceHoldsTheResult()
    {
        var workspace = TempDir.Create("deckhand-e2e-ws");
        try
        {
            var script = Path.Combine(workspace, "greet.sh");
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(
                ScriptedReply.ToolCall("file_editor", new { command = "create", path = script, file_text = "#!/bin/bash\necho \"hello $1\"\n" }),
                ScriptedReply.ToolCall("file_editor", new { command = "str_replace", path = script, old_str = "hello", new_str = "goodbye" }),
                ScriptedReply.ToolCall("terminal", new { command = $"bash {script} world > out.txt && cat out.txt", security_risk = "LOW" }),
                ScriptedReply.ToolCall("finish", new { message = "The script prints goodbye world." }));
            await using var server = await TestAgentServer.StartAsync();
            var request = Requests.Start(llm.BaseUrl, "Write a script that says goodbye and run it.");
            request = request with
            {
                Workspace = new Workspace { WorkingDir = workspace },
                Agent = request.Agent! with { Tools = [new ToolSpec { Name = "terminal" }, new ToolSpec { Name = "file_editor" }] },
            };
            var (created, _) = await server.Client.CreateConversationAsync(request);
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            Assert.Equal("#!/bin/bash\necho \"goodbye $1\"\n", await File.ReadAllTextAsync(script));
            Assert.Equal("goodbye world\n", await File.ReadAllTextAsync(Path.Combine(workspace, "out.txt")));
            var events = await server.Client.AllEventsAsync(created.Id);
            var terminal = events.OfType<ObservationEvent>().Select(o => o.Observation).OfType<TerminalObservation>().Single();
            Assert.Equal(0, terminal.ExitCode);
            Assert.Contains("goodbye world", terminal.Text());
            Assert.DoesNotContain(events, e => e is AgentErrorEvent);
            // The tools were offered to the model with their OpenHands names and parameters.
            var tools = llm.Requests[0].ToolNames;
            Assert.Contains("terminal", tools);
            Assert.Contains("file_editor", tools);
            Assert.Contains("goodbye world", llm.Requests[3].MessageText(^1));
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }
}
