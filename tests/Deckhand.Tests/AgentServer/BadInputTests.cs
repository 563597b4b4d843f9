using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>Bad input gets a clear 4xx (never a 500), and changes nothing.</summary>
public sealed class BadInputTests
{
    private const string ValidAgent = """{"llm":{"model":"openai/m","base_url":"http://127.0.0.1:9/v1"}}""";

    public static TheoryData<string, string, int, string> CreateBodies => new()
    {
        { "malformed JSON", """{"workspace": {"working_dir": "/tmp"}, """, 422, "body" },
        { "not an object", "[1,2,3]", 422, "body" },
        { "null body", "null", 422, "body" },
        { "empty body", "", 422, "body" },
        { "wrong type", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"max_iterations":"many"}""", 422, "max_iterations" },
        { "wrong nested type", """{"workspace":{"working_dir":"/tmp"},"agent":{"llm":{"model":"m","temperature":"hot"}}}""", 422, "temperature" },
        { "missing workspace", "{\"agent\":" + ValidAgent + "}", 422, "workspace" },
        { "missing agent", """{"workspace":{"working_dir":"/tmp"}}""", 422, "agent" },
        { "policy without kind", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"confirmation_policy":{}}""", 422, "kind" },
        { "content part without type", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"initial_message":{"content":[{"text":"x"}]}}""", 422, "type" },
        { "unknown policy kind", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"confirmation_policy":{"kind":"YoloMode"}}""", 422, "confirmation_policy" },
        { "unknown content type", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"initial_message":{"content":[{"type":"video"}]}}""", 422, "initial_message" },
        { "unknown agent kind", """{"workspace":{"working_dir":"/tmp"},"agent":{"kind":"ACPAgent","llm":{"model":"m"}}}""", 422, "kind" },
        { "unknown workspace kind", $$$"""{"workspace":{"working_dir":"/tmp","kind":"DockerWorkspace"},"agent":{{{ValidAgent}}}}""", 422, "kind" },
        { "relative working dir", $$$"""{"workspace":{"working_dir":"project"},"agent":{{{ValidAgent}}}}""", 422, "working_dir" },
        { "unknown tool", """{"workspace":{"working_dir":"/tmp"},"agent":{"llm":{"model":"m"},"tools":[{"name":"browser"}]}}""", 422, "tools" },
        { "bad tag key", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"tags":{"Bad Key":"v"}}""", 422, "tags" },
        { "zero iterations", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"max_iterations":0}""", 422, "max_iterations" },
        { "bad conversation id", $$$"""{"workspace":{"working_dir":"/tmp"},"agent":{{{ValidAgent}}},"conversation_id":"not-a-uuid"}""", 422, "conversation_id" },
        { "bad base url", """{"workspace":{"working_dir":"/tmp"},"agent":{"llm":{"model":"m","base_url":"ftp:/x"}}}""", 422, "base_url" },
    };

    [Theory]
    [MemberData(nameof(CreateBodies))]
    public async Task Create_WithBadBody_Gets4xx_NamingTheProblem_AndCreatesNothing(string why, string body, int status, string mentions)
    {
        await using var server = await TestAgentServer.StartAsync();
        var response = await server.Http.PostAsync("api/conversations", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{why}: got {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.True(doc.RootElement.TryGetProperty("detail", out _), why);
        Assert.Contains(mentions, text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("0", await server.Http.GetStringAsync("api/conversations/count"));
    }

    [Fact]
    public async Task FiftyMegabyteBody_Gets413_AndCreatesNothing()
    {
        await using var server = await TestAgentServer.StartAsync();
        var huge = new StringBuilder("""{"workspace":{"working_dir":"/tmp"},"agent":{"llm":{"model":"m"}},"tags":{"x":" """);
        huge.Append('a', 50 * 1024 * 1024).Append("\"}}");
        using var content = new StringContent(huge.ToString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await server.Http.PostAsync("api/conversations", content);
        }
        catch (HttpRequestException)
        {
            // The server may reset the connection once it has answered 413 mid-upload; the count below still holds.
            response = new HttpResponseMessage(HttpStatusCode.RequestEntityTooLarge);
        }
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("0", await server.Http.GetStringAsync("api/conversations/count"));
    }

    [Fact]
    public async Task NonJsonContentType_Gets415()
    {
        await using var server = await TestAgentServer.StartAsync();
        var response = await server.Http.PostAsync("api/conversations", new StringContent("workspace=/tmp", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "api/conversations/not-a-uuid")]
    [InlineData("POST", "api/conversations/1234/run")]
    [InlineData("POST", "api/conversations/xyz/pause")]
    [InlineData("DELETE", "api/conversations/xyz")]
    [InlineData("GET", "api/conversations/xyz/events/search")]
    [InlineData("GET", "api/conversations?ids=nope")]
    public async Task NonUuidIds_Get422(string method, string path)
    {
        await using var server = await TestAgentServer.StartAsync();
        var response = await server.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("UUID", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("api/conversations/search?limit=0")]
    [InlineData("api/conversations/search?limit=101")]
    [InlineData("api/conversations/search?limit=abc")]
    [InlineData("api/conversations/search?status=sleeping")]
    [InlineData("api/conversations/search?sort_order=RANDOM")]
    [InlineData("api/conversations/count?status=nope")]
    public async Task BadQueryParameters_Get4xx(string path)
    {
        await using var server = await TestAgentServer.StartAsync();
        var response = await server.Http.GetAsync(path);
        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public async Task BadMessages_Get422_AndAppendNothing()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        var before = (await server.Client.AllEventsAsync(created.Id)).Count;
        foreach (var body in new[]
        {
            """{"content":"a bare string is not allowed here"}""",
            """{"role":"assistant","content":[{"type":"text","text":"impersonation"}]}""",
            """{"role":"wizard","content":[]}""",
            """{"content":[{"type":"text"}]}""",
            "{]",
        })
        {
            var response = await server.Http.PostAsync($"api/conversations/{created.Id}/events", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Equal(before, (await server.Client.AllEventsAsync(created.Id)).Count);
        Assert.Empty(llm.Requests);
    }

    [Fact]
    public async Task BadPatch_Gets422_AndChangesNothing()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        foreach (var body in new[] { """{"title":""}""", $$"""{"title":"{{new string('t', 201)}}"}""", """{"tags":{"UPPER":"x"}}""", """{"tags":[]}""" })
        {
            var response = await server.Http.PatchAsync($"api/conversations/{created.Id}", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }
        var info = await server.Client.GetConversationAsync(created.Id);
        Assert.Null(info!.Title);
        Assert.Empty(info.Tags);
    }
}
