using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer;
using Deckhand.Engine.Llm.Pricing;
using Deckhand.V0.Options;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.V0;

/// <summary>
/// <c>deckhand serve --web-root</c>: a single-page app on the API's origin, cache headers, CORS, <c>/api/options</c>,
/// <c>/server_info</c> and the session key (V0 spec §0, §1.1, §1.2; web-app-calls.md §2).
/// </summary>
public sealed class WebTests : IDisposable
{
    private const string IndexHtml = "<!doctype html><title>spa</title><div id=root>index-page-7731</div>";
    private const string Secret = "outside-secret-5521";

    private readonly string _dir = TempDir.Create("deckhand-web");

    private string WebRoot => Path.Combine(_dir, "site");

    public WebTests()
    {
        Directory.CreateDirectory(Path.Combine(WebRoot, "assets"));
        File.WriteAllText(Path.Combine(WebRoot, "index.html"), IndexHtml);
        File.WriteAllText(Path.Combine(WebRoot, "assets", "app-3f2a.js"), "console.log('app');");
        File.WriteAllText(Path.Combine(WebRoot, "assets", "style.css"), "body{}");
        File.WriteAllText(Path.Combine(WebRoot, "favicon.svg"), "<svg/>");
        File.WriteAllText(Path.Combine(WebRoot, ".env"), "DOT_ENV=" + Secret);
        File.WriteAllText(Path.Combine(_dir, "secret.txt"), Secret);
    }

    public void Dispose() => TempDir.Delete(_dir);

    [Fact]
    public async Task WebRoot_ServesFiles_FallsBackToIndexForClientRoutes_ApiWins()
    {
        await using var server = await TestAppServer.StartAsync(configure: o => o with { WebRoot = WebRoot });

        using (var root = await server.Http.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.OK, root.StatusCode);
            Assert.Equal(IndexHtml, await root.Content.ReadAsStringAsync());
            Assert.Equal("text/html", root.Content.Headers.ContentType!.MediaType);
            Assert.Equal("no-cache, no-store, must-revalidate, max-age=0", Raw(root, "Cache-Control"));
            Assert.Equal("no-cache", Raw(root, "Pragma"));
        }
        foreach (var clientRoute in new[] { "conversations/abc", "settings/git", "conversations/x/y?tab=1" })
        {
            using var page = await server.Http.GetAsync(clientRoute);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(IndexHtml, await page.Content.ReadAsStringAsync());
        }
        using (var script = await server.Http.GetAsync("assets/app-3f2a.js"))
        {
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal("console.log('app');", await script.Content.ReadAsStringAsync());
            Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
            Assert.Equal("public, max-age=2592000, immutable", Raw(script, "Cache-Control"));
        }
        using (var css = await server.Http.GetAsync("assets/style.css"))
            Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        using (var svg = await server.Http.GetAsync("favicon.svg"))
        {
            Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
            Assert.Equal("no-cache, no-store, must-revalidate, max-age=0", Raw(svg, "Cache-Control"));
        }
        // A missing asset is a 404, not index.html cached for a month.
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("assets/gone-1234.js")).StatusCode);

        // API routes win over the fallback, and unknown API paths are not the web app.
        var config = await server.Http.GetStringAsync("api/options/config");
        Assert.Contains("\"APP_MODE\":\"oss\"", config);
        using (var unknownApi = await server.Http.GetAsync("api/no-such-route"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownApi.StatusCode);
            Assert.DoesNotContain("index-page-7731", await unknownApi.Content.ReadAsStringAsync());
        }
        Assert.Equal("""{"status":"ok"}""", await server.Http.GetStringAsync("alive"));
        Assert.Contains("swagger", await server.Http.GetStringAsync("docs/index.html"), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("index-page-7731", await server.Http.GetStringAsync("openapi.json"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("sockets/events/abc")).StatusCode);
        // A POST to a client route is not a page load.
        Assert.NotEqual(HttpStatusCode.OK, (await server.Http.PostAsync("conversations/abc", null)).StatusCode);
    }

    [Fact]
    public async Task WebRoot_RefusesTraversal_AndDotFiles()
    {
        await using var server = await TestAppServer.StartAsync(configure: o => o with { WebRoot = WebRoot });

        // Raw requests: HttpClient would normalise the dot segments away before sending.
        foreach (var target in new[] { "/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt",
                     "/assets/%2e%2e/%2e%2e/secret.txt", "/.env", "/%2eenv" })
        {
            var (status, body) = await RawGetAsync(server.BaseUrl, target);
            Assert.DoesNotContain(Secret, body);
            Assert.True(status is 200 or 400 or 404, $"{target}: {status}");
            if (status == 200)
                Assert.Contains("index-page-7731", body);
        }
    }

    [Fact]
    public void WebRoot_MissingOrWithoutIndex_IsAClearStartupError()
    {
        var missing = Assert.Throws<InvalidOperationException>(() =>
            AppServerApp.Build(new AppServerOptions { Port = 0, DataDir = Path.Combine(_dir, "data1"), WebRoot = Path.Combine(_dir, "nope") }));
        Assert.Contains("no such directory", missing.Message);
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var noIndex = Assert.Throws<InvalidOperationException>(() =>
            AppServerApp.Build(new AppServerOptions { Port = 0, DataDir = Path.Combine(_dir, "data2"), WebRoot = empty }));
        Assert.Contains("no index.html", noIndex.Message);
    }

    [Fact]
    public async Task WithoutWebRoot_RootPointsAtTheApiDocs()
    {
        await using var server = await TestAppServer.StartAsync();
        using var root = await server.Http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        using var json = JsonDocument.Parse(await root.Content.ReadAsStringAsync());
        Assert.Equal("/docs", json.RootElement.GetProperty("docs").GetString());
        Assert.Contains("--web-root", json.RootElement.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("conversations/abc")).StatusCode);
    }

    [Fact]
    public async Task Cors_LocalOriginsAndConfiguredOnes_Allowed_WithCredentials_OthersGetNoHeader()
    {
        await using var server = await TestAppServer.StartAsync(apiKey: "web-key-1", configure: o => o with { CorsOrigins = ["https://app.example.com"] });
        using var anonymous = new HttpClient { BaseAddress = server.BaseUrl };

        foreach (var origin in new[] { "http://127.0.0.1:3001", "http://localhost:5173", "https://app.example.com" })
        {
            using var preflight = Preflight(origin);
            using var response = await anonymous.SendAsync(preflight);
            Assert.True(response.IsSuccessStatusCode, $"{origin}: {(int)response.StatusCode}");
            Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
            Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
            Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"));
            Assert.Contains("x-session-api-key", Header(response, "Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var origin in new[] { "http://evil.example", "http://127.0.0.1.evil.example:3001", "https://app.example.com.evil.example" })
        {
            using var preflight = Preflight(origin);
            using var response = await anonymous.SendAsync(preflight);
            Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        }

        // A real cross-origin call carries the header too, even when it is refused for a missing key.
        using var refused = new HttpRequestMessage(HttpMethod.Get, "api/settings");
        refused.Headers.Add("Origin", "http://127.0.0.1:3001");
        using var refusedResponse = await anonymous.SendAsync(refused);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedResponse.StatusCode);
        Assert.Equal("http://127.0.0.1:3001", Header(refusedResponse, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task SessionKey_GuardsV0Routes_NotHealthServerInfoOrTheWebApp()
    {
        await using var server = await TestAppServer.StartAsync(apiKey: "web-key-2", configure: o => o with { WebRoot = WebRoot });
        using var anonymous = new HttpClient { BaseAddress = server.BaseUrl };

        foreach (var path in new[] { "api/options/config", "api/options/models", "api/settings", "api/user/info", "api/secrets" })
        {
            using var refused = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("""{"detail":"Unauthorized"}""", await refused.Content.ReadAsStringAsync());
        }
        using (var keyed = new HttpRequestMessage(HttpMethod.Get, "api/options/config"))
        {
            keyed.Headers.Add("X-Session-API-Key", "web-key-2");
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(keyed)).StatusCode);
        }
        foreach (var path in new[] { "alive", "health", "server_info", "", "conversations/abc", "assets/app-3f2a.js" })
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Options_Config_Models_Agents_SecurityAnalyzers()
    {
        await using var server = await TestAppServer.StartAsync();

        Assert.Equal("""
            {"APP_MODE":"oss","GITHUB_CLIENT_ID":"","POSTHOG_CLIENT_KEY":"","PROVIDERS_CONFIGURED":[],"FEATURE_FLAGS":{"ENABLE_BILLING":false,"HIDE_LLM_SETTINGS":false,"ENABLE_JIRA":false,"ENABLE_JIRA_DC":false,"ENABLE_LINEAR":false}}
            """, await server.Http.GetStringAsync("api/options/config"));
        Assert.Equal("""["CodeActAgent"]""", await server.Http.GetStringAsync("api/options/agents"));
        Assert.Equal("""["llm","pattern"]""", await server.Http.GetStringAsync("api/options/security-analyzers"));

        var models = Strings(await server.Http.GetStringAsync("api/options/models"));
        Assert.Contains("openai/gpt-4o", models);
        Assert.Contains("anthropic/claude-sonnet-4-5", models);
        Assert.DoesNotContain("my-proxy/house-model", models);
        Assert.Equal(models.Order(StringComparer.Ordinal).Distinct(), models);

        using var saved = await server.Http.PostAsync("api/settings",
            new StringContent("""{"llm_model":"my-proxy/house-model"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        models = Strings(await server.Http.GetStringAsync("api/options/models"));
        Assert.Contains("my-proxy/house-model", models);
        Assert.Equal(models.Order(StringComparer.Ordinal).Distinct(), models);
        // Every model offered is one the price table knows (none is dropped silently from the list).
        Assert.All(ModelCatalog.Known, model => Assert.NotNull(PriceTable.Lookup(model)));
        Assert.All(ModelCatalog.Known, model => Assert.Contains(model, models));

        var openApi = await server.Http.GetStringAsync("openapi.json");
        foreach (var path in new[] { "/api/options/config", "/api/options/models", "/server_info", "/api/add-git-providers", "/api/unset-provider-tokens",
                     "/api/user/info", "/api/user/repositories", "/api/user/repository/branches" })
            Assert.Contains($"\"{path}\"", openApi);
    }

    [Fact]
    public async Task ServerInfo_ReportsThisProcess()
    {
        await using var server = await TestAppServer.StartAsync();
        await server.Http.GetStringAsync("api/options/agents");

        using var json = JsonDocument.Parse(await server.Http.GetStringAsync("server_info"));
        var info = json.RootElement;
        Assert.Equal(["uptime", "idle_time", "resources"], info.EnumerateObject().Select(p => p.Name));
        Assert.True(info.GetProperty("uptime").GetDouble() > 0);
        Assert.True(info.GetProperty("idle_time").GetDouble() >= 0);
        Assert.True(info.GetProperty("idle_time").GetDouble() <= info.GetProperty("uptime").GetDouble());
        var resources = info.GetProperty("resources");
        Assert.Equal(["cpu_percent", "memory", "disk", "io"], resources.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Environment.WorkingSet / 1_000_000, resources.GetProperty("memory").GetProperty("rss").GetInt64() / 1_000_000, 50.0);
        Assert.True(resources.GetProperty("memory").GetProperty("vms").GetInt64() >= resources.GetProperty("memory").GetProperty("rss").GetInt64());
        var disk = resources.GetProperty("disk");
        Assert.Equal(new DriveInfo(server.DataDir).TotalSize, disk.GetProperty("total").GetInt64());
        Assert.True(disk.GetProperty("free").GetInt64() > 0);
        Assert.True(resources.GetProperty("io").GetProperty("read_bytes").GetInt64() >= 0);
        Assert.True(resources.GetProperty("cpu_percent").GetDouble() >= 0);
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "api/settings");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-session-api-key");
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>A header exactly as sent (the typed accessors reorder Cache-Control's directives).</summary>
    private static string Raw(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : "";

    private static List<string> Strings(string json) => JsonSerializer.Deserialize<List<string>>(json)!;

    /// <summary>One HTTP/1.1 GET with the request target exactly as given.</summary>
    private static async Task<(int Status, string Body)> RawGetAsync(Uri baseUrl, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseUrl.Host, baseUrl.Port);
        await using var stream = client.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {baseUrl.Host}:{baseUrl.Port}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}
