using System.Net;
using System.Net.Http.Json;
using Deckhand.AppServer;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary><c>deckhand serve</c>: in-process and as the real executable; binding rules; the API key.</summary>
public sealed class ServeTests
{
    [Fact]
    public async Task InProcess_AnswersHealth_OpenApi_AndDocs()
    {
        await using var server = await TestAppServer.StartAsync();

        Assert.Equal("""{"status":"ok"}""", await server.Http.GetStringAsync("alive"));
        Assert.Equal("\"OK\"", await server.Http.GetStringAsync("health"));
        var openApi = await server.Http.GetStringAsync("openapi.json");
        foreach (var path in new[] { "/api/v1/sandboxes", "/api/v1/sandboxes/search", "/api/v1/sandbox-specs", "/api/v1/users/me", "/api/settings", "/api/secrets",
                     "/api/v1/app-conversations", "/api/v1/app-conversations/stream-start", "/api/v1/app-conversations/start-tasks/search",
                     "/api/v1/app-conversations/{conversation_id}/send-message", "/api/v1/conversations/{conversation_id}/pending-messages" })
            Assert.Contains($"\"{path}\"", openApi);
        using var docs = await server.Http.GetAsync("docs/index.html");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("swagger", await docs.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.True(File.Exists(Path.Combine(server.DataDir, "app.db")));
    }

    [Fact]
    public async Task WithApiKey_ApiNeedsIt_AsHeaderOrBearer_HealthDoesNot()
    {
        await using var server = await TestAppServer.StartAsync(apiKey: "app-key-123");
        using var anonymous = new HttpClient { BaseAddress = server.BaseUrl };

        using (var refused = await anonymous.GetAsync("api/v1/users/me"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("""{"detail":"Unauthorized"}""", await refused.Content.ReadAsStringAsync());
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "api/settings"))
        {
            wrong.Headers.Add("X-Session-API-Key", "app-key-12");
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);
        }
        using (var bearer = new HttpRequestMessage(HttpMethod.Get, "api/v1/users/me"))
        {
            bearer.Headers.Add("Authorization", "Bearer app-key-123");
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(bearer)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("api/v1/sandboxes/search")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("openapi.json")).StatusCode);
    }

    [Fact]
    public async Task BindingBeyondLoopback_WithoutKey_IsRefused_WithAKeyIsAllowed()
    {
        var dir = TempDir.Create("deckhand-bind");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => AppServerApp.Build(new AppServerOptions { Host = "0.0.0.0", Port = 0, DataDir = dir }));
            Assert.Contains("API key", error.Message);
            Assert.Contains("--api-key", error.Message);
            await using var allowed = AppServerApp.Build(new AppServerOptions { Host = "0.0.0.0", Port = 0, DataDir = dir, ApiKey = "k" });
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public async Task RealExe_OnAllInterfacesWithoutKey_ExitsWithAUsageError()
    {
        var dir = TempDir.Create("deckhand-serve-refuse");
        try
        {
            await using var process = DeckhandProcess.Start(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", dir]);
            Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("without an API key", process.Output);

            await using var badWebhook = DeckhandProcess.Start(["serve", "--port", "0", "--data-dir", dir, "--webhook-base-url", "not a url"]);
            Assert.Equal(2, await badWebhook.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("--webhook-base-url must be an absolute http(s) URL", badWebhook.Output);
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public async Task RealExe_ServesAndStartsASandbox_KeysTravelOnlyInTheEnvironment()
    {
        const string apiKey = "serve-api-key-7f3e";
        const string secretKey = "serve-secret-key-91c2";
        var dir = TempDir.Create("deckhand-serve");
        try
        {
            await using var serve = DeckhandProcess.Start(["serve", "--port", "0", "--data-dir", dir, "--sandbox-isolation", "none"],
                new Dictionary<string, string>
                {
                    ["DECKHAND_API_KEY"] = apiKey, ["DECKHAND_SECRET_KEY"] = secretKey, ["DECKHAND_WEBHOOK_BASE_URL"] = "http://app.deckhand.test:3000/",
                });
            var url = await serve.WaitForListeningAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(90) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("api/v1/sandboxes", null)).StatusCode);
            http.DefaultRequestHeaders.Add("X-Session-API-Key", apiKey);

            using var started = await http.PostAsync("api/v1/sandboxes", null);
            Assert.Equal(HttpStatusCode.OK, started.StatusCode);
            var sandbox = (await started.Content.ReadFromJsonAsync(DeckhandJson.Wire.SandboxInfo))!;
            Assert.Equal(SandboxStatus.Running, sandbox.Status);

            var sandboxDir = Path.Combine(dir, "sandboxes", sandbox.Id);
            var (pid, _) = Assert.Single(Procs.CommandLines(), p => p.CommandLine.Contains(" agent-server ", StringComparison.Ordinal)
                && p.CommandLine.Contains(sandboxDir + "/", StringComparison.Ordinal));
            var environment = Procs.Environment(pid);
            Assert.Equal(sandbox.SessionApiKey, environment["OH_SESSION_API_KEYS_0"]);
            // Webhooks go where DECKHAND_WEBHOOK_BASE_URL says, not to the address it listens on.
            var webhookUrl = $"http://app.deckhand.test:3000/api/v1/webhooks/{sandbox.Id}";
            Assert.Equal(webhookUrl, environment["OH_WEBHOOKS_0_BASE_URL"]);
            Assert.Equal(webhookUrl, File.ReadAllText(environment["OH_WEBHOOKS_0_BASE_URL_FILE"]).Trim());
            Assert.False(environment.ContainsKey("DECKHAND_API_KEY"));
            Assert.False(environment.ContainsKey("DECKHAND_SECRET_KEY"));
            Procs.AssertNowhereOnACommandLine(apiKey, secretKey, sandbox.SessionApiKey!);

            Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync($"api/v1/sandboxes/{sandbox.Id}")).StatusCode);
            Assert.False(Procs.IsAlive(pid));
            Assert.False(Directory.Exists(sandboxDir));

            serve.Terminate();
            Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain(apiKey, serve.Output);
            Assert.DoesNotContain(sandbox.SessionApiKey!, serve.Output);
        }
        finally
        {
            Procs.KillUnder(dir);
            TempDir.Delete(dir);
        }
    }
}
