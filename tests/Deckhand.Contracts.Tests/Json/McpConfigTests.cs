using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Contracts.Tests.Json;

/// <summary><c>agent.mcp_config</c> keeps what the client sent, but its secrets are written only to storage.</summary>
public sealed class McpConfigTests
{
    private const string Config = """
        {"mcpServers": {
          "local": {"command": "npx", "args": ["-y", "server"], "env": {"GITHUB_TOKEN": "ghp-secret-1", "EMPTY": null}},
          "remote": {"url": "https://mcp.example/mcp", "headers": {"X-Api-Key": "key-secret-2"},
                     "auth": {"strategy": "basic", "username": "ann", "password": "pw-secret-3"}, "timeout": 20}
        }}
        """;

    private static AgentSpec Agent => new() { Llm = new LlmConfig { Model = "m" }, McpConfig = McpConfig.Parse(Config) };

    [Fact]
    public void Wire_RedactsEnvHeadersAndAuth_AndKeepsTheRest()
    {
        foreach (var context in new[] { DeckhandJson.Wire, DeckhandJson.Compact })
        {
            var json = JsonSerializer.Serialize(new StartConversationRequest
            {
                Workspace = new Workspace { WorkingDir = "/w" },
                Agent = Agent,
            }, context.StartConversationRequest);
            foreach (var secret in new[] { "ghp-secret-1", "key-secret-2", "pw-secret-3" })
                Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            var servers = JsonNode.Parse(json)!["agent"]!["mcp_config"]!["mcpServers"]!;
            Assert.Equal("**********", servers["local"]!["env"]!["GITHUB_TOKEN"]!.GetValue<string>());
            Assert.Null(servers["local"]!["env"]!["EMPTY"]);
            Assert.Equal("npx", servers["local"]!["command"]!.GetValue<string>());
            Assert.Equal("**********", servers["remote"]!["headers"]!["X-Api-Key"]!.GetValue<string>());
            Assert.Equal("**********", servers["remote"]!["auth"]!["password"]!.GetValue<string>());
            Assert.Equal("ann", servers["remote"]!["auth"]!["username"]!.GetValue<string>());
            Assert.Equal(20, servers["remote"]!["timeout"]!.GetValue<int>());
        }
    }

    [Fact]
    public void Storage_KeepsTheSecrets_ForARestart()
    {
        var json = JsonSerializer.Serialize(Agent, DeckhandJson.Storage.Options);
        Assert.Contains("ghp-secret-1", json);
        Assert.Contains("pw-secret-3", json);
        var back = JsonSerializer.Deserialize<AgentSpec>(json, DeckhandJson.Storage.Options)!;
        Assert.Equal("key-secret-2", back.McpConfig!.Servers().Single(s => s.Name == "remote").Value.GetProperty("headers").GetProperty("X-Api-Key").GetString());
    }

    [Fact]
    public void NativeShape_ListsServersAtTheTop()
    {
        var config = McpConfig.Parse("""{"a": {"command": "x", "env": {"K": "v"}}, "b": {"url": "http://h/mcp"}}""");
        Assert.Equal(["a", "b"], config.Servers().Select(s => s.Name));
        var wire = JsonSerializer.Serialize(new AgentSpec { Llm = new LlmConfig(), McpConfig = config }, DeckhandJson.Wire.Options);
        Assert.Contains("\"K\":\"**********\"", wire);
    }

    [Fact]
    public void McpActionAndObservation_UseOpenHandsKinds()
    {
        var action = JsonSerializer.Serialize<ToolAction>(new McpToolAction { Data = JsonDocument.Parse("""{"text":"hi"}""").RootElement },
            DeckhandJson.Compact.ToolAction);
        Assert.Equal("""{"kind":"MCPToolAction","data":{"text":"hi"}}""", action);
        var observation = JsonSerializer.Serialize<ToolObservation>(new McpToolObservation { ToolName = "echo", IsError = true },
            DeckhandJson.Compact.ToolObservation);
        Assert.Equal("""{"kind":"MCPToolObservation","tool_name":"echo","content":[],"is_error":true}""", observation);
        var back = Assert.IsType<McpToolAction>(JsonSerializer.Deserialize("""{"data":{"a":1},"kind":"MCPToolAction"}""", DeckhandJson.Wire.ToolAction));
        Assert.Equal(1, back.Data.GetProperty("a").GetInt32());
    }
}
