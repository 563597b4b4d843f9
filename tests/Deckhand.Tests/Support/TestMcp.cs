using System.Globalization;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Conversations;

namespace Deckhand.Tests.Support;

/// <summary>MCP servers for tests: our own test server (over stdio) and the npm filesystem server.</summary>
public static class TestMcp
{
    /// <summary>The test server, built with the solution and copied next to the tests.</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "Deckhand.McpTestServer.dll");

    /// <summary>A stdio server entry running our test server with <paramref name="args"/>.</summary>
    public static JsonObject Stdio(params string[] args) => new()
    {
        ["command"] = "dotnet",
        ["args"] = new JsonArray([ServerDll, .. args.Select(a => (JsonNode)a)]),
    };

    /// <summary>An <c>agent.mcp_config</c> in the settings shape <c>{"mcpServers": {...}}</c>.</summary>
    public static McpConfig Config(params (string Name, JsonObject Server)[] servers)
    {
        var map = new JsonObject();
        foreach (var (name, server) in servers)
            map[name] = server;
        return McpConfig.Parse(new JsonObject { ["mcpServers"] = map }.ToJsonString());
    }

    /// <summary>A create request whose agent has <paramref name="config"/>.</summary>
    public static StartConversationRequest Start(Uri llm, McpConfig config, string workspace, string message = "Use the MCP tools.")
    {
        var request = Requests.Start(llm, message);
        return request with { Workspace = new Workspace { WorkingDir = workspace }, Agent = request.Agent! with { McpConfig = config } };
    }

    /// <summary>
    /// The npm filesystem MCP server (test.sh installs it and sets DECKHAND_TEST_MCP_FILESYSTEM); null when absent.
    /// </summary>
    public static string? FilesystemServer()
    {
        var path = Environment.GetEnvironmentVariable("DECKHAND_TEST_MCP_FILESYSTEM")
            ?? "/tmp/deckhand-test-npm/node_modules/.bin/mcp-server-filesystem";
        return File.Exists(path) ? path : null;
    }

    /// <summary>Whether a process runs (exists and is not a zombie waiting to be reaped).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
