using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>
/// MCP servers over stdio, through the real agent-server and the scripted LLM: our own test server (echo, add, hang,
/// fail, pid, spawn_child) and a server that cannot start.
/// </summary>
public sealed class McpStdioTests
{
    [Fact]
    public async Task StdioServer_IsListedCalledAndEndsWithTheConversation()
    {
        var workspace = TempDir.Create("deckhand-mcp-ws");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(
                ScriptedReply.ToolCalls(
                    ScriptedToolCall.Create("echo", new { text = "hello from mcp", security_risk = "LOW", summary = "echo a greeting" }),
                    ScriptedToolCall.Create("add", new { a = 2, b = 40 })),
                ScriptedReply.ToolCalls(ScriptedToolCall.Create("pid"), ScriptedToolCall.Create("spawn_child", new { security_risk = "LOW" })),
                ScriptedReply.ToolCall("finish", new { message = "Done." }));
            await using var server = await TestAgentServer.StartAsync();
            var config = TestMcp.Config(("tester", TestMcp.Stdio()));
            var (created, _) = await server.Client.CreateConversationAsync(TestMcp.Start(llm.BaseUrl, config, workspace));
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            // Listed: the model got the server's tools, after the agent's own, with schemas and the risk field only
            // where the tool is not read-only.
            var first = llm.Requests[0];
            Assert.Equal(["finish", "think", "echo", "add", "hang", "fail", "pid", "spawn_child"], first.ToolNames);
            var echoSchema = ToolParameters(first, "echo");
            Assert.True(echoSchema.GetProperty("properties").TryGetProperty("security_risk", out _));
            Assert.Equal("string", echoSchema.GetProperty("properties").GetProperty("text").GetProperty("type").GetString());
            Assert.Equal(["text"], echoSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
            Assert.False(ToolParameters(first, "add").GetProperty("properties").TryGetProperty("security_risk", out _));

            // Called: actions and observations in the event log, with OpenHands' kinds and the executed marker.
            var events = await server.Client.AllEventsAsync(created.Id);
            var echoAction = events.OfType<ActionEvent>().Single(a => a.ToolName == "echo");
            var echoData = Assert.IsType<McpToolAction>(echoAction.Action).Data;
            Assert.Equal("hello from mcp", echoData.GetProperty("text").GetString());
            Assert.False(echoData.TryGetProperty("security_risk", out _));
            Assert.Equal("echo a greeting", echoAction.Summary);
            var echo = Observation(events, "echo");
            Assert.False(echo.IsError);
            Assert.Equal(["[Tool 'echo' executed.]", "hello from mcp"], echo.Content.OfType<TextContent>().Select(t => t.Text));
            Assert.Contains("42", Observation(events, "add").Text());
            Assert.DoesNotContain(events, e => e is AgentErrorEvent or ConversationErrorEvent);

            // ... and in the next LLM request, as the tool results.
            var second = llm.Requests[1];
            Assert.Contains("hello from mcp", second.MessageText(^2));
            Assert.Contains("42", second.MessageText(^1));

            // The status route shows the server with its process and tools.
            var status = Assert.Single((await server.Client.GetMcpStatusAsync(created.Id)).Servers);
            Assert.Equal(("tester", "stdio", "ready"), (status.Name, status.Transport, status.Status));
            Assert.Null(status.Error);
            Assert.Contains(status.Tools, t => t.Name == "hang" && t.Description.Contains("Never returns"));
            var pid = int.Parse(Observation(events, "pid").Content.OfType<TextContent>().Last().Text, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(pid, status.Pid);
            var child = int.Parse(Observation(events, "spawn_child").Content.OfType<TextContent>().Last().Text, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(TestMcp.IsAlive(pid));
            Assert.True(TestMcp.IsAlive(child));

            // Deleting the conversation ends the server and what it started.
            await server.Client.DeleteConversationAsync(created.Id);
            await Wait.UntilAsync(() => Task.FromResult(!TestMcp.IsAlive(pid) && !TestMcp.IsAlive(child)), "the MCP server and its child to end");
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }

    [Fact]
    public async Task HangingTool_TimesOutWithAnErrorObservation_AndTheServerStaysUsable()
    {
        var workspace = TempDir.Create("deckhand-mcp-ws");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(
                ScriptedReply.ToolCall("hang", new { security_risk = "LOW" }),
                ScriptedReply.ToolCall("fail", new { reason = "no such record", security_risk = "LOW" }),
                ScriptedReply.ToolCall("echo", new { text = "still here", security_risk = "LOW" }),
                ScriptedReply.Text("The server answered after the timeout."));
            await using var server = await TestAgentServer.StartAsync();
            var tester = TestMcp.Stdio();
            tester["timeout"] = 1; // seconds per call
            var (created, _) = await server.Client.CreateConversationAsync(
                TestMcp.Start(llm.BaseUrl, TestMcp.Config(("tester", tester)), workspace));
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            var events = await server.Client.AllEventsAsync(created.Id);
            var hang = Observation(events, "hang");
            Assert.True(hang.IsError);
            Assert.Contains("MCP tool 'hang' timed out after 1 seconds", hang.Text());
            Assert.Contains("timed out after 1 seconds", llm.Requests[1].MessageText(^1));
            // A tool's own error result is an error observation too, not a server failure.
            var fail = Observation(events, "fail");
            Assert.True(fail.IsError);
            Assert.Contains("fail: no such record", fail.Text());
            var echo = Observation(events, "echo");
            Assert.False(echo.IsError);
            Assert.Contains("still here", echo.Text());
            Assert.Equal("ready", Assert.Single((await server.Client.GetMcpStatusAsync(created.Id)).Servers).Status);
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }

    [Fact]
    public async Task ServersThatCannotStart_AreReported_AndTheAgentRunsWithTheOthers()
    {
        var workspace = TempDir.Create("deckhand-mcp-ws");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(
                ScriptedReply.ToolCall("echo", new { text = "the good one works", security_risk = "LOW" }),
                ScriptedReply.Text("Finished with the working server."));
            await using var server = await TestAgentServer.StartAsync();
            var config = TestMcp.Config(
                ("broken", TestMcp.Stdio("--crash", "refusing to start: the token is invalid")),
                ("missing", new() { ["command"] = "/nonexistent/bin/mcp-server" }),
                ("good", TestMcp.Stdio()));
            var (created, _) = await server.Client.CreateConversationAsync(TestMcp.Start(llm.BaseUrl, config, workspace));
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            var events = await server.Client.AllEventsAsync(created.Id);
            var errors = events.OfType<ConversationErrorEvent>().ToList();
            Assert.Equal(2, errors.Count);
            var broken = Assert.Single(errors, e => e.Detail.Contains("'broken'"));
            Assert.Equal("MCPError", broken.Code);
            Assert.Contains("refusing to start: the token is invalid", broken.Detail);
            Assert.Equal("config", broken.Classification!.Kind);
            Assert.Contains("/nonexistent/bin/mcp-server", Assert.Single(errors, e => e.Detail.Contains("'missing'")).Detail);
            // Reported before the first LLM call, and the run went on.
            Assert.True(events.IndexOf(errors[^1]) < events.FindIndex(e => e is ActionEvent));
            Assert.Contains("the good one works", Observation(events, "echo").Text());
            Assert.Equal(["finish", "think", "echo", "add", "hang", "fail", "pid", "spawn_child"], llm.Requests[0].ToolNames);

            var status = (await server.Client.GetMcpStatusAsync(created.Id)).Servers.ToDictionary(s => s.Name);
            Assert.Equal("failed", status["broken"].Status);
            Assert.Contains("refusing to start", status["broken"].Error);
            Assert.Empty(status["broken"].Tools);
            Assert.Null(status["broken"].Pid);
            Assert.Equal("failed", status["missing"].Status);
            Assert.Equal("ready", status["good"].Status);
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }

    [Fact]
    public async Task ServerProcesses_EndWhenTheConversationIsUnloaded_AndWhenTheServerStops()
    {
        var workspace = TempDir.Create("deckhand-mcp-ws");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            var server = await TestAgentServer.StartAsync(idleUnloadAfter: TimeSpan.FromSeconds(2));
            int unloadedPid, stoppedPid;
            try
            {
                var config = TestMcp.Config(("tester", TestMcp.Stdio()));
                var start = TestMcp.Start(llm.BaseUrl, config, workspace) with { InitialMessage = null };
                // Servers start when the conversation is created, before any run. Subscribers keep both loaded for now.
                var (unloaded, _) = await server.Client.CreateConversationAsync(start);
                var unloadedSocket = await server.Client.ConnectEventsAsync(unloaded.Id);
                var (stopped, _) = await server.Client.CreateConversationAsync(start with { ConversationId = Guid.NewGuid() });
                await using var socket = await server.Client.ConnectEventsAsync(stopped.Id);
                unloadedPid = await ReadyPidAsync(server, unloaded.Id);
                stoppedPid = await ReadyPidAsync(server, stopped.Id);
                Assert.NotEqual(unloadedPid, stoppedPid);

                await unloadedSocket.DisposeAsync();
                await Wait.UntilAsync(async () => await server.Conversations.SweepAsync() >= 0 && !TestMcp.IsAlive(unloadedPid),
                    "the idle conversation to be unloaded with its MCP server");
                Assert.True(TestMcp.IsAlive(stoppedPid));
                // Reloaded by the status request, the unloaded conversation has not restarted its servers (no run yet).
                Assert.Equal("not_started", Assert.Single((await server.Client.GetMcpStatusAsync(unloaded.Id)).Servers).Status);
            }
            finally
            {
                await server.DisposeAsync();
            }
            await Wait.UntilAsync(() => Task.FromResult(!TestMcp.IsAlive(stoppedPid)), "the MCP server to end with the agent-server");
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }

    private static async Task<int> ReadyPidAsync(TestAgentServer server, Guid id)
    {
        int? pid = null;
        await Wait.UntilAsync(async () =>
        {
            var status = Assert.Single((await server.Client.GetMcpStatusAsync(id)).Servers);
            Assert.NotEqual("failed", status.Status);
            pid = status.Pid;
            return status.Status == "ready";
        }, "the MCP server to be ready");
        return pid!.Value;
    }

    private static McpToolObservation Observation(List<Event> events, string tool) =>
        Assert.IsType<McpToolObservation>(events.OfType<ObservationEvent>().Single(o => o.ToolName == tool).Observation);

    private static JsonElement ToolParameters(ScriptedRequest request, string name) =>
        request.Tools.Single(t => t.GetProperty("function").GetProperty("name").GetString() == name)
            .GetProperty("function").GetProperty("parameters");
}
