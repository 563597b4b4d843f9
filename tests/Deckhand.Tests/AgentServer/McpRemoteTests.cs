using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Mcp;
using Deckhand.Contracts.Tools;
using Deckhand.McpTestServer;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>
/// MCP servers over HTTP: our test tools served on loopback through the SDK's streamable HTTP and SSE server
/// transports (hosted on plain Kestrel), and the npm filesystem server over stdio.
/// </summary>
public sealed class McpRemoteTests
{
    [Fact]
    public async Task StreamableHttpServer_ToolsAreCalled_WithTheConfiguredHeaders_AndSecretsAreRedactedInResponses()
    {
        var workspace = TempDir.Create("deckhand-mcp-ws");
        try
        {
            await using var mcp = await McpHttpTestServer.StartAsync();
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(
                ScriptedReply.ToolCall("add", new { a = 20, b = 22 }),
                ScriptedReply.Text("20 + 22 = 42."));
            await using var server = await TestAgentServer.StartAsync();
            var config = TestMcp.Config(("remote", new JsonObject
            {
                ["url"] = mcp.StreamableUrl.ToString(),
                ["transport"] = "streamable-http",
                ["auth"] = new JsonObject { ["strategy"] = "bearer", ["value"] = "tok-remote-123" },
            }));
            var (created, _) = await server.Client.CreateConversationAsync(TestMcp.Start(llm.BaseUrl, config, workspace));
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            Assert.Contains("add", llm.Requests[0].ToolNames);
            var events = await server.Client.AllEventsAsync(created.Id);
            var add = Assert.IsType<McpToolObservation>(events.OfType<ObservationEvent>().Single().Observation);
            Assert.Contains("42", add.Text());
            Assert.All(mcp.SeenHeader, h => Assert.Equal("Bearer tok-remote-123", h));
            Assert.NotEmpty(mcp.SeenHeader);
            var status = Assert.Single((await server.Client.GetMcpStatusAsync(created.Id)).Servers);
            Assert.Equal(("http", "ready"), (status.Transport, status.Status));

            // The credential is a secret: never in a response, still usable after a reload from storage.
            var raw = await server.Http.GetStringAsync($"api/conversations/{created.Id}");
            Assert.DoesNotContain("tok-remote-123", raw, StringComparison.Ordinal);
            Assert.Equal("**********", JsonNode.Parse(raw)!["agent"]!["mcp_config"]!["mcpServers"]!["remote"]!["auth"]!["value"]!.GetValue<string>());
            Assert.Equal(mcp.StreamableUrl.ToString(), JsonNode.Parse(raw)!["agent"]!["mcp_config"]!["mcpServers"]!["remote"]!["url"]!.GetValue<string>());
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }

    [Fact]
    public async Task TestRoute_ProbesSseAndStdioServers_AndReportsFailuresAsOkFalse()
    {
        await using var mcp = await McpHttpTestServer.StartAsync();
        mcp.RecordedHeader = "X-Api-Key";
        await using var server = await TestAgentServer.StartAsync();

        var sse = await server.Client.TestMcpServerAsync(new McpTestRequest
        {
            Server = Json(new { url = mcp.SseUrl.ToString(), type = "sse", headers = new Dictionary<string, string> { ["X-Api-Key"] = "k-1" } }),
            ToolCall = new McpTestToolCall { Name = "echo", Arguments = Json(new { text = "probe" }) },
        });
        Assert.True(sse.Ok, sse.Error);
        Assert.Equal(["echo", "add", "hang", "fail", "pid", "spawn_child"], sse.Tools);
        Assert.Equal(new McpTestToolResult(false, "probe"), sse.ToolResult);
        Assert.Contains("k-1", mcp.SeenHeader);

        var stdio = await server.Client.TestMcpServerAsync(new McpTestRequest
        {
            Server = Json(new { command = "dotnet", args = new[] { TestMcp.ServerDll } }),
            ToolCall = new McpTestToolCall { Name = "fail", Arguments = Json(new { reason = "bad credentials" }) },
        });
        Assert.True(stdio.Ok, stdio.Error);
        Assert.Equal(new McpTestToolResult(true, "fail: bad credentials"), stdio.ToolResult);

        var crash = await server.Client.TestMcpServerAsync(new McpTestRequest
        {
            Name = "crashy",
            Server = Json(new { command = "dotnet", args = new[] { TestMcp.ServerDll, "--crash", "cannot open the database" } }),
        });
        Assert.False(crash.Ok);
        Assert.Equal("connection", crash.ErrorKind);
        Assert.Contains("cannot open the database", crash.Error);
        Assert.Contains("exited with code 3", crash.Error);

        // Nulls are left out of the answer, as OpenHands does.
        using var response = await server.Http.PostAsync("api/mcp/test",
            new StringContent("""{"server": {"url": "http://127.0.0.1:1/mcp"}, "timeout": 5}""", System.Text.Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.False(body["ok"]!.GetValue<bool>());
        Assert.Equal(["ok", "error", "error_kind"], body.Select(p => p.Key));
    }

    [Fact]
    public async Task NpmFilesystemServer_ListsReadsAndWritesInTheWorkspace_AndEndsWithTheConversation()
    {
        var filesystem = TestMcp.FilesystemServer();
        Assert.SkipWhen(filesystem is null,
            "The npm MCP filesystem server is not installed; ./test.sh installs it (or set DECKHAND_TEST_MCP_FILESYSTEM).");
        var workspace = TempDir.Create("deckhand-mcp-fs");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(workspace, "notes.txt"), "launch on tuesday\n");
            var created = Path.Combine(workspace, "reply.txt");
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(
                ScriptedReply.ToolCall("list_directory", new { path = workspace }),
                ScriptedReply.ToolCall("read_text_file", new { path = Path.Combine(workspace, "notes.txt") }),
                ScriptedReply.ToolCall("write_file", new { path = created, content = "noted: tuesday\n", security_risk = "LOW" }),
                ScriptedReply.Text("I read the notes and wrote a reply."));
            await using var server = await TestAgentServer.StartAsync();
            var config = TestMcp.Config(("fs", new JsonObject { ["command"] = filesystem, ["args"] = new JsonArray(workspace) }));
            var (conversation, _) = await server.Client.CreateConversationAsync(TestMcp.Start(llm.BaseUrl, config, workspace));
            await Wait.ForStatusAsync(server.Client, conversation.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            var tools = llm.Requests[0].Tools.ToDictionary(t => t.GetProperty("function").GetProperty("name").GetString()!,
                t => t.GetProperty("function").GetProperty("parameters"));
            Assert.Contains("write_file", tools.Keys);
            // The server marks reads as read-only: no risk field for them, one for writes.
            Assert.False(tools["read_text_file"].GetProperty("properties").TryGetProperty("security_risk", out _));
            Assert.True(tools["write_file"].GetProperty("properties").TryGetProperty("security_risk", out _));

            var events = await server.Client.AllEventsAsync(conversation.Id);
            string Text(string tool) => events.OfType<ObservationEvent>().Single(o => o.ToolName == tool).Observation.Text();
            Assert.Contains("notes.txt", Text("list_directory"));
            Assert.Contains("launch on tuesday", Text("read_text_file"));
            Assert.Equal("noted: tuesday\n", await File.ReadAllTextAsync(created));
            Assert.Contains("launch on tuesday", llm.Requests[2].MessageText(^1));
            Assert.DoesNotContain(events, e => e is AgentErrorEvent or ConversationErrorEvent);

            var pid = Assert.Single((await server.Client.GetMcpStatusAsync(conversation.Id)).Servers).Pid!.Value;
            Assert.True(TestMcp.IsAlive(pid));
            await server.Client.DeleteConversationAsync(conversation.Id);
            await Wait.UntilAsync(() => Task.FromResult(!TestMcp.IsAlive(pid)), "the filesystem server to end");
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);
}
