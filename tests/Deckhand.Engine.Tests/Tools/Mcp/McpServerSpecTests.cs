using System.Text;
using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Tools.Mcp;

namespace Deckhand.Engine.Tests.Tools.Mcp;

public sealed class McpServerSpecTests
{
    [Fact]
    public void ParseAll_ReadsBothShapes_AndInfersTheTransport()
    {
        foreach (var text in new[]
        {
            """{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "fs"]}, "web": {"url": "https://h/mcp"}, "old": {"url": "https://h/sse", "transport": "sse"}}}""",
            """{"fs": {"command": "npx", "args": ["-y", "fs"]}, "web": {"url": "https://h/mcp"}, "old": {"url": "https://h/sse", "type": "sse"}}""",
        })
        {
            var (servers, problems) = McpServerSpec.ParseAll(McpConfig.Parse(text));
            Assert.Empty(problems);
            Assert.Equal([("fs", McpTransport.Stdio), ("web", McpTransport.HttpOrSse), ("old", McpTransport.Sse)],
                servers.Select(s => (s.Name, s.Transport)));
            Assert.Equal(["-y", "fs"], servers[0].Args);
        }
    }

    [Fact]
    public void Parse_TurnsAuthIntoHeaders_DropsRedactedValues_AndReadsTimeoutAndEnabled()
    {
        var (servers, problems) = McpServerSpec.ParseAll(McpConfig.Parse("""
            {"bearer": {"url": "https://h/mcp", "auth": {"strategy": "bearer", "value": "t1"}, "timeout": 2.5},
             "basic": {"url": "https://h/mcp", "auth": {"strategy": "basic", "username": "u", "password": "p"}},
             "key": {"url": "https://h/mcp", "auth": {"strategy": "api_key", "value": "k", "header_name": "X-Key"}, "headers": {"X-Old": "**********"}},
             "off": {"command": "x", "enabled": false, "env": {"A": "1", "B": "**********"}},
             "oauth": {"url": "https://h/mcp", "auth": {"strategy": "oauth2"}}}
            """));
        Assert.Empty(problems);
        var byName = servers.ToDictionary(s => s.Name);
        Assert.Equal("Bearer t1", byName["bearer"].Headers["Authorization"]);
        Assert.Equal(TimeSpan.FromSeconds(2.5), byName["bearer"].CallTimeout);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p")), byName["basic"].Headers["Authorization"]);
        Assert.Equal(new Dictionary<string, string> { ["X-Key"] = "k" }, byName["key"].Headers);
        Assert.False(byName["off"].Enabled);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1" }, byName["off"].Env);
        Assert.Contains("OAuth", byName["oauth"].Unsupported);
    }

    [Theory]
    [InlineData("""[1, 2]""", "", "must be an object")]
    [InlineData("""{"s": "npx"}""", "s", "must be an object")]
    [InlineData("""{"s": {"args": ["x"]}}""", "s", "'url'")]
    [InlineData("""{"s": {"transport": "stdio"}}""", "s", "needs a 'command'")]
    [InlineData("""{"s": {"url": "ftp://h"}}""", "s", "absolute http(s) URL")]
    [InlineData("""{"s": {"command": "x", "transport": "websocket"}}""", "s", "unknown transport 'websocket'")]
    [InlineData("""{"s": {"command": "x", "args": "a b"}}""", "s", "'args' must be a list of strings")]
    [InlineData("""{"s": {"command": "x", "env": {"A": 1}}}""", "s", "'env.A' must be a string")]
    [InlineData("""{"s": {"command": "x", "timeout": 0}}""", "s", "'timeout' must be a positive number")]
    [InlineData("""{"mcpServers": {"s": {"url": "https://h", "auth": {"strategy": "magic"}}}}""", "mcpServers.s", "unknown auth strategy 'magic'")]
    public void ParseAll_ExplainsWhatIsWrong_AndWhere(string text, string location, string message)
    {
        var (servers, problems) = McpServerSpec.ParseAll(McpConfig.Parse(text));
        Assert.Empty(servers);
        var problem = Assert.Single(problems);
        Assert.Equal(location, problem.Location);
        Assert.Contains(message, problem.Message);
    }
}
