using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer.Settings;
using Deckhand.Tests.AppServer.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AppServer;

/// <summary><c>/api/settings</c>, <c>/api/secrets</c> and <c>/api/v1/users/me</c> on both backends: secrets go in, never come out.</summary>
public sealed class SettingsAndSecretsTests(PostgresServer postgres)
{
    private const string LlmKey = "sk-llm-secret-4411";
    private const string SearchKey = "search-secret-8812";
    private const string McpKey = "mcp-secret-2290";
    private const string McpEnv = "mcp-env-secret-7731";
    private const string SecretValue = "tok-secret-value-5150";

    private readonly List<string> _bodies = [];

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Settings_SaveAndRead_SecretsMaskedOrNull_MergedOnResave(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));

        var (status, body) = await SendAsync(server, HttpMethod.Get, "api/settings");
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"Settings not found"}"""), (status, body));
        var fresh = Json((await SendAsync(server, HttpMethod.Get, "api/v1/users/me")).Body);
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("id").ValueKind);
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("llm_api_key").ValueKind);
        Assert.True(fresh.GetProperty("enable_default_condenser").GetBoolean());

        (status, body) = await SendAsync(server, HttpMethod.Post, "api/settings", $$$"""
            {"llm_model":"openai/gpt-4o","llm_api_key":"{{{LlmKey}}}","llm_base_url":"http://127.0.0.1:9/v1","confirmation_mode":true,
             "condenser_max_size":50,"git_user_name":"Ada","git_user_email":"ada@example.com","search_api_key":"{{{SearchKey}}}",
             "mcp_config":{"sse_servers":[{"url":"http://mcp.local/sse","api_key":"{{{McpKey}}}"}],
                           "stdio_servers":[{"name":"gh","command":"gh-mcp","args":[],"env":{"GH_TOKEN":"{{{McpEnv}}}"}}],"shttp_servers":[]},
             "provider_tokens_set":{},"unknown_field":1}
            """);
        Assert.Equal((HttpStatusCode.OK, """{"message":"Settings stored"}"""), (status, body));

        var page = Json((await SendAsync(server, HttpMethod.Get, "api/settings")).Body);
        Assert.Equal("openai/gpt-4o", page.GetProperty("llm_model").GetString());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("llm_api_key").ValueKind);
        Assert.True(page.GetProperty("llm_api_key_set").GetBoolean());
        Assert.True(page.GetProperty("search_api_key_set").GetBoolean());
        Assert.True(page.GetProperty("confirmation_mode").GetBoolean());
        Assert.Equal(50, page.GetProperty("condenser_max_size").GetInt32());
        Assert.Equal("ada@example.com", page.GetProperty("git_user_email").GetString());
        Assert.Equal("**********", page.GetProperty("mcp_config").GetProperty("sse_servers")[0].GetProperty("api_key").GetString());
        Assert.Equal("**********", page.GetProperty("mcp_config").GetProperty("stdio_servers")[0].GetProperty("env").GetProperty("GH_TOKEN").GetString());
        Assert.Equal("{}", page.GetProperty("provider_tokens_set").GetRawText());
        Assert.Equal("""{"provider_tokens":{}}""", page.GetProperty("secrets_store").GetRawText());

        var me = Json((await SendAsync(server, HttpMethod.Get, "api/v1/users/me")).Body);
        Assert.Equal("**********", me.GetProperty("llm_api_key").GetString());
        Assert.Equal("**********", me.GetProperty("search_api_key").GetString());
        Assert.Equal("http://127.0.0.1:9/v1", me.GetProperty("llm_base_url").GetString());
        Assert.Equal("Ada", me.GetProperty("git_user_name").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("id").ValueKind);

        // The web app saves back what it read: keys omitted or masked, the MCP config masked; "" clears a key.
        var echoedMcp = page.GetProperty("mcp_config").GetRawText();
        (status, _) = await SendAsync(server, HttpMethod.Post, "api/settings",
            $$"""{"llm_model":"anthropic/claude-sonnet-4-5","search_api_key":"","mcp_config":{{echoedMcp}},"git_user_name":"Ada"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var stored = await server.App.Services.GetRequiredService<ISettingsRepository>().GetAsync(null);
        Assert.Equal(LlmKey, stored!.LlmApiKey!.Value);
        Assert.Null(stored.SearchApiKey);
        Assert.Equal("anthropic/claude-sonnet-4-5", stored.LlmModel);
        Assert.Equal("http://127.0.0.1:9/v1", stored.LlmBaseUrl); // null keeps
        Assert.Null(stored.CondenserMaxSize); // other fields replace
        Assert.Equal(McpKey, stored.McpConfig!.Value.GetProperty("sse_servers")[0].GetProperty("api_key").GetString());
        Assert.Equal(McpEnv, stored.McpConfig.Value.GetProperty("stdio_servers")[0].GetProperty("env").GetProperty("GH_TOKEN").GetString());
        Assert.False(Json((await SendAsync(server, HttpMethod.Get, "api/settings")).Body).GetProperty("search_api_key_set").GetBoolean());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(server, HttpMethod.Post, "api/settings", """{"condenser_max_size":10}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(server, HttpMethod.Post, "api/settings", """{"confirmation_mode":"yes"}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(server, HttpMethod.Post, "api/settings", "[1]")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(server, HttpMethod.Post, "api/settings", "{not json")).Status);
        Assert.Equal(HttpStatusCode.Gone, (await SendAsync(server, HttpMethod.Post, "api/reset-settings", "{}")).Status);

        AssertNoSecretInAnyResponse();
        Procs.AssertNowhereOnACommandLine(LlmKey, SearchKey, McpKey, McpEnv);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Secrets_CreateListRenameDelete_ValuesNeverReturned(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));

        Assert.Equal("""{"custom_secrets":[]}""", (await SendAsync(server, HttpMethod.Get, "api/secrets")).Body);
        var created = await SendAsync(server, HttpMethod.Post, "api/secrets", $$"""{"name":"MY_TOKEN","value":"{{SecretValue}}","description":"for the API"}""");
        Assert.Equal((HttpStatusCode.Created, """{"message":"Secret created successfully"}"""), created);
        var duplicate = await SendAsync(server, HttpMethod.Post, "api/secrets", """{"name":"MY_TOKEN","value":"other"}""");
        Assert.Equal((HttpStatusCode.BadRequest, """{"message":"Secret MY_TOKEN already exists"}"""), duplicate);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(server, HttpMethod.Post, "api/secrets", """{"name":"OTHER","value":"v2"}""")).Status);

        Assert.Equal("""{"custom_secrets":[{"name":"MY_TOKEN","description":"for the API"},{"name":"OTHER","description":null}]}""",
            (await SendAsync(server, HttpMethod.Get, "api/secrets")).Body);

        Assert.Equal((HttpStatusCode.OK, """{"message":"Secret updated successfully"}"""),
            await SendAsync(server, HttpMethod.Put, "api/secrets/MY_TOKEN", """{"name":"SERVICE_TOKEN","description":"renamed"}"""));
        Assert.Equal((HttpStatusCode.BadRequest, """{"message":"Secret OTHER already exists"}"""),
            await SendAsync(server, HttpMethod.Put, "api/secrets/SERVICE_TOKEN", """{"name":"OTHER"}"""));
        Assert.Equal((HttpStatusCode.NotFound, """{"error":"Secret with ID NOPE not found"}"""),
            await SendAsync(server, HttpMethod.Put, "api/secrets/NOPE", """{"name":"X"}"""));
        var values = await server.App.Services.GetRequiredService<Deckhand.AppServer.Secrets.ISecretRepository>().GetValuesAsync(null);
        Assert.Equal(SecretValue, values["SERVICE_TOKEN"]);

        Assert.Equal((HttpStatusCode.OK, """{"message":"Secret deleted successfully"}"""), await SendAsync(server, HttpMethod.Delete, "api/secrets/SERVICE_TOKEN"));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(server, HttpMethod.Delete, "api/secrets/SERVICE_TOKEN")).Status);
        Assert.Equal("""{"custom_secrets":[{"name":"OTHER","description":null}]}""", (await SendAsync(server, HttpMethod.Get, "api/secrets")).Body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(server, HttpMethod.Post, "api/secrets", """{"name":"HAS SPACE","value":"x"}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(server, HttpMethod.Post, "api/secrets", """{"name":"NO_VALUE"}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(server, HttpMethod.Post, "api/secrets", """{"name":"","value":"x"}""")).Status);

        AssertNoSecretInAnyResponse();
        Procs.AssertNowhereOnACommandLine(SecretValue);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(TestAppServer server, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await server.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        _bodies.Add(body);
        return (response.StatusCode, body);
    }

    private void AssertNoSecretInAnyResponse()
    {
        foreach (var body in _bodies)
        {
            foreach (var secret in new[] { LlmKey, SearchKey, McpKey, McpEnv, SecretValue })
                Assert.DoesNotContain(secret, body);
        }
    }

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement;
}
