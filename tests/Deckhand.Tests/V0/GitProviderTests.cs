using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.Testing.Hosting;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.V0.Support;

namespace Deckhand.Tests.V0;

/// <summary>
/// Provider tokens (<c>/api/add-git-providers</c>, <c>/api/unset-provider-tokens</c>, <c>provider_tokens_set</c>) and the
/// <c>/api/user</c> git routes (V0 spec §1.6-1.7), against a fake GitHub API on loopback.
/// </summary>
public sealed class GitProviderTests
{
    private const string BadToken = "ghp_notAValidToken9876";

    [Fact]
    public async Task AddGitProviders_ValidatesWithGitHub_StoresWithoutEchoing_UnsetClears()
    {
        await using var github = await FakeGitHubApi.StartAsync();
        var logs = new RecordingLoggerProvider();
        await using var server = await StartAsync(github, logs);
        var bodies = new List<string>();
        async Task<(HttpStatusCode Status, string Body)> Send(HttpMethod method, string path, string? json = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (json is not null)
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await server.Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            bodies.Add(body);
            return (response.StatusCode, body);
        }

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "api/settings", """{"llm_model":"openai/gpt-4o"}""")).Status);
        Assert.Equal("{}", ProvidersSet((await Send(HttpMethod.Get, "api/settings")).Body));

        var refused = await Send(HttpMethod.Post, "api/add-git-providers", Body(BadToken));
        Assert.Equal((HttpStatusCode.Unauthorized, """{"error":"Invalid token. Please make sure it is a valid github token."}"""), refused);
        Assert.Equal("{}", ProvidersSet((await Send(HttpMethod.Get, "api/settings")).Body));

        Assert.Equal((HttpStatusCode.OK, """{"message":"Git providers stored"}"""), await Send(HttpMethod.Post, "api/add-git-providers", Body(FakeGitHubApi.Token)));
        Assert.Contains("/user", github.Paths);
        Assert.Equal("""{"github":null}""", ProvidersSet((await Send(HttpMethod.Get, "api/settings")).Body));
        Assert.Contains("\"PROVIDERS_CONFIGURED\":[\"github\"]", (await Send(HttpMethod.Get, "api/options/config")).Body);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "api/user/info")).Status);

        // The settings page sends the map back without the token: the stored one is kept, the host updated.
        var before = github.Paths.Count;
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "api/add-git-providers",
            """{"provider_tokens":{"github":{"token":"","host":"github.com"}},"mcp_config":null}""")).Status);
        Assert.Equal(before, github.Paths.Count); // nothing new to validate
        Assert.Equal("""{"github":"github.com"}""", ProvidersSet((await Send(HttpMethod.Get, "api/settings")).Body));
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "api/user/info")).Status);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Send(HttpMethod.Post, "api/add-git-providers",
            """{"provider_tokens":{"sourceforge":{"token":"x"}}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, "api/add-git-providers",
            """{"provider_tokens":{"bitbucket":{"token":"x"}}}""")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Send(HttpMethod.Post, "api/add-git-providers", """{"provider_tokens":"github"}""")).Status);
        Assert.Equal("""{"github":"github.com"}""", ProvidersSet((await Send(HttpMethod.Get, "api/settings")).Body));

        // An empty map replaces the whole map.
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "api/add-git-providers", """{"provider_tokens":{}}""")).Status);
        Assert.Equal("{}", ProvidersSet((await Send(HttpMethod.Get, "api/settings")).Body));

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "api/add-git-providers", Body(FakeGitHubApi.Token))).Status);
        Assert.Equal((HttpStatusCode.OK, """{"message":"Unset Git provider tokens"}"""), await Send(HttpMethod.Post, "api/unset-provider-tokens"));
        Assert.Equal("{}", ProvidersSet((await Send(HttpMethod.Get, "api/settings")).Body));
        Assert.Equal((HttpStatusCode.Unauthorized, "\"Git provider token required. (such as GitHub).\""), await Send(HttpMethod.Get, "api/user/info"));

        foreach (var text in bodies.Concat(logs.Lines))
        {
            Assert.DoesNotContain(FakeGitHubApi.Token, text);
            Assert.DoesNotContain(BadToken, text);
        }
        Assert.Contains(logs.Lines, line => line.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UserRoutes_ReadGitHubWithTheStoredToken()
    {
        await using var github = await FakeGitHubApi.StartAsync();
        await using var server = await StartAsync(github);

        Assert.Equal("\"Git provider token required. (such as GitHub).\"", await ErrorAsync(server, "api/user/repositories", HttpStatusCode.Unauthorized));
        Assert.Equal("\"No providers set.\"", await ErrorAsync(server, "api/user/suggested-tasks", HttpStatusCode.Unauthorized));
        Assert.Equal("\"Git provider token required.\"", await ErrorAsync(server, "api/user/search/branches?repository=octo/hello&query=f",
            HttpStatusCode.Unauthorized));
        using (var stored = await server.Http.PostAsync("api/add-git-providers", new StringContent(Body(FakeGitHubApi.Token), Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);

        Assert.Equal("""
            {"id":"4242","login":"octo","avatar_url":"https://avatars.example/octo","company":null,"name":"Octo Cat","email":"octo@example.com"}
            """, await server.Http.GetStringAsync("api/user/info"));

        using (var repos = JsonDocument.Parse(await server.Http.GetStringAsync("api/user/repositories?selected_provider=github&sort=pushed&page=1&per_page=100")))
        {
            var list = repos.RootElement;
            Assert.Equal(2, list.GetArrayLength());
            Assert.Equal($$"""
                {"id":"1","full_name":"octo/hello","git_provider":"github","is_public":true,"stargazers_count":5,"link_header":"<{{github.BaseUrl}}/user/repos?page=2>; rel=\"next\"","pushed_at":"2025-11-01T10:00:00Z","owner_type":"user","main_branch":"main"}
                """, list[0].GetRawText());
            Assert.Equal("acme/tools", list[1].GetProperty("full_name").GetString());
            Assert.False(list[1].GetProperty("is_public").GetBoolean());
            Assert.Equal("organization", list[1].GetProperty("owner_type").GetString());
            Assert.Equal(JsonValueKind.Null, list[1].GetProperty("link_header").ValueKind);
        }
        Assert.Contains("/user/repos?sort=pushed&page=1&per_page=100", github.Paths);

        using (var page = JsonDocument.Parse(await server.Http.GetStringAsync("api/user/repository/branches?repository=octo/hello&page=1&per_page=3")))
        {
            Assert.Equal("""{"name":"main","commit_sha":"aaa111","protected":true,"last_push_date":null}""", page.RootElement.GetProperty("branches")[0].GetRawText());
            Assert.True(page.RootElement.GetProperty("has_next_page").GetBoolean());
            Assert.Equal(1, page.RootElement.GetProperty("current_page").GetInt32());
            Assert.Equal(3, page.RootElement.GetProperty("per_page").GetInt32());
            Assert.Equal(JsonValueKind.Null, page.RootElement.GetProperty("total_count").ValueKind);
        }
        using (var last = JsonDocument.Parse(await server.Http.GetStringAsync("api/user/repository/branches?repository=octo/hello&page=2")))
            Assert.False(last.RootElement.GetProperty("has_next_page").GetBoolean());

        using (var found = JsonDocument.Parse(await server.Http.GetStringAsync("api/user/search/branches?repository=octo/hello&query=FIX")))
            Assert.Equal(["fix-typo"], found.RootElement.EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        using (var search = JsonDocument.Parse(await server.Http.GetStringAsync("api/user/search/repositories?query=deck&per_page=5")))
            Assert.Equal("found/deck", search.RootElement[0].GetProperty("full_name").GetString());
        Assert.Equal("[]", await server.Http.GetStringAsync("api/user/installations?provider=github"));
        Assert.Equal("[]", await server.Http.GetStringAsync("api/user/suggested-tasks"));

        Assert.Equal("""[{"name":"deploy","path":".openhands/microagents/deploy.md","created_at":"2025-10-01T12:00:00Z"}]""",
            await server.Http.GetStringAsync("api/user/repository/octo/hello/microagents"));
        using (var content = JsonDocument.Parse(await server.Http.GetStringAsync(
                   "api/user/repository/octo/hello/microagents/content?file_path=.openhands/microagents/deploy.md")))
        {
            Assert.StartsWith("---\nname: deploy", content.RootElement.GetProperty("content").GetString());
            Assert.Equal(["deploy", "release"], content.RootElement.GetProperty("triggers").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal("github", content.RootElement.GetProperty("git_provider").GetString());
        }

        // Other providers, bad input and GitHub's own refusals are 4xx with a clear body.
        Assert.Contains("not supported yet", await ErrorAsync(server, "api/user/repositories?selected_provider=gitlab", HttpStatusCode.BadRequest));
        Assert.Equal("\"Provider gitlab doesn't support installations\"", await ErrorAsync(server, "api/user/installations?provider=gitlab", HttpStatusCode.BadRequest));
        await ErrorAsync(server, "api/user/repository/branches?repository=../../etc", HttpStatusCode.UnprocessableEntity);
        await ErrorAsync(server, "api/user/repository/branches?repository=octo/hello&per_page=0", HttpStatusCode.UnprocessableEntity);
        await ErrorAsync(server, "api/user/search/repositories", HttpStatusCode.UnprocessableEntity);
        await ErrorAsync(server, "api/user/repository/octo/hello/microagents/content?file_path=../secret", HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Not found on GitHub", await ErrorAsync(server, "api/user/repository/branches?repository=octo/missing", HttpStatusCode.NotFound));
        Assert.DoesNotContain(github.Paths, p => p.Contains("..", StringComparison.Ordinal));
    }

    private static Task<TestAppServer> StartAsync(FakeGitHubApi github, RecordingLoggerProvider? logs = null) =>
        TestAppServer.StartAsync(logs: logs, configure: o => o with
        {
            GitProviderApiUrls = new Dictionary<string, string> { ["github"] = github.BaseUrl, ["gitlab"] = github.BaseUrl + "/gitlab" },
        });

    private static string Body(string token) => """{"provider_tokens":{"github":{"token":""" + JsonSerializer.Serialize(token) + ""","host":null}}}""";

    private static string ProvidersSet(string settings)
    {
        using var json = JsonDocument.Parse(settings);
        return json.RootElement.GetProperty("provider_tokens_set").GetRawText();
    }

    private static async Task<string> ErrorAsync(TestAppServer server, string path, HttpStatusCode expected)
    {
        using var response = await server.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return body;
    }
}
