using System.Net;
using System.Text;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>A broken <c>mcp_config</c> or probe request is a 422 naming the problem, never a 500, and starts nothing.</summary>
public sealed class McpBadInputTests
{
    [Theory]
    [InlineData("""{"mcpServers": {"fs": {"args": ["x"]}}}""", "mcp_config", "'url'")]
    [InlineData("""{"fs": {"command": ["npx"]}}""", "mcp_config", "'command' must be a string")]
    [InlineData("""["npx"]""", "mcp_config", "must be an object")]
    public async Task Create_WithBadMcpConfig_Gets422_AndCreatesNothing(string config, string location, string message)
    {
        await using var server = await TestAgentServer.StartAsync();
        var body = $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{"llm":{"model":"m"},"mcp_config":{{{config}}}}}""";
        using var response = await server.Http.PostAsync("api/conversations", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(location, text);
        Assert.Contains(message, text);
        Assert.Equal("0", await server.Http.GetStringAsync("api/conversations/count"));
    }

    [Theory]
    [InlineData("""{"server": {"command": "x"}, "timeout": 0}""", "timeout")]
    [InlineData("""{"server": {"command": "x"}, "timeout": 500}""", "timeout")]
    [InlineData("""{"server": {}}""", "server")]
    [InlineData("""{"server": {"command": "x"}, "name": ""}""", "name")]
    [InlineData("""{"server": {"command": "x"}, "tool_call": {"name": "t", "arguments": [1]}}""", "arguments")]
    [InlineData("""{"timeout": 3}""", "server")]
    public async Task TestRoute_WithBadRequest_Gets422(string body, string mentions)
    {
        await using var server = await TestAgentServer.StartAsync();
        using var response = await server.Http.PostAsync("api/mcp/test", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(mentions, text);
    }

    [Fact]
    public async Task StatusRoute_AnswersNotFoundAndBadUuid_AndAnEmptyListWithoutServers()
    {
        await using var server = await TestAgentServer.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"api/conversations/{Guid.NewGuid()}/mcp")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Http.GetAsync("api/conversations/nope/mcp")).StatusCode);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(new Uri("http://127.0.0.1:9/v1")));
        Assert.Equal("""{"servers":[]}""", await server.Http.GetStringAsync($"api/conversations/{created.Id}/mcp"));
    }
}
