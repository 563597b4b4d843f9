using System.Net.Http.Json;
using System.Text.Json;
using Deckhand.AppServer;
using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Sandboxes.Processes;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Testing.Hosting;
using Deckhand.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.AppServer.Support;

/// <summary>
/// The real app server on a free loopback port, in this process. Its sandboxes are real <c>deckhand agent-server</c>
/// processes (no shell isolation, for speed). Disposing deletes every sandbox it knows and stops any stray one left in
/// its data directory, so a test never leaks processes; <see cref="StopKeepingSandboxesAsync"/> stops it the way a
/// restart would, leaving them running.
/// </summary>
public sealed class TestAppServer : IAsyncDisposable
{
    public const string SecretKey = "test-secret-key";

    private readonly bool _ownsDataDir;
    private bool _stopped;

    private TestAppServer(WebApplication app, Uri baseUrl, AppServerOptions options, bool ownsDataDir)
    {
        App = app;
        BaseUrl = baseUrl;
        Options = options;
        _ownsDataDir = ownsDataDir;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(90) };
        if (options.ApiKey is not null)
            Http.DefaultRequestHeaders.Add("X-Session-API-Key", options.ApiKey);
    }

    public WebApplication App { get; }
    public Uri BaseUrl { get; }
    public AppServerOptions Options { get; }
    public HttpClient Http { get; }
    public string DataDir => Options.DataDir;
    public SandboxService Sandboxes => App.Services.GetRequiredService<SandboxService>();

    /// <param name="configure">Changes to the options (timeouts, provider URLs, the sandbox command...).</param>
    /// <param name="logs">Receives every log line of the app server.</param>
    public static async Task<TestAppServer> StartAsync(string? dataDir = null, string? database = null, string? apiKey = null,
        int maxSandboxes = 5, Func<AppServerOptions, AppServerOptions>? configure = null, ILoggerProvider? logs = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var owns = dataDir is null;
        var options = new AppServerOptions
        {
            Port = 0,
            DataDir = dataDir ?? TempDir.Create("deckhand-app"),
            Database = database,
            ApiKey = apiKey,
            SecretKey = SecretKey,
            MaxSandboxes = maxSandboxes,
            // No LLM titles: a title request would take a scripted reply meant for the agent.
            SandboxAgentServerArgs = ["--isolation", "none", "--no-llm-titles"],
            SandboxWebhookFlushDelay = TimeSpan.FromMilliseconds(200),
        };
        options = configure?.Invoke(options) ?? options;
        var app = AppServerApp.Build(options, services =>
        {
            services.AddSingleton<IHostLifetime, QuietHostLifetime>();
            if (logs is not null)
                services.AddSingleton<ILoggerProvider>(logs);
            configureServices?.Invoke(services);
        });
        await AppServerApp.StartAsync(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestAppServer(app, new Uri(address.TrimEnd('/') + "/"), options, owns);
    }

    public async Task<SandboxInfo> StartSandboxAsync()
    {
        using var response = await Http.PostAsync("api/v1/sandboxes", null);
        Assert.True(response.IsSuccessStatusCode, $"start sandbox: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync(DeckhandJson.Wire.SandboxInfo))!;
    }

    public async Task<SandboxInfo?> GetSandboxAsync(string id)
    {
        var items = await Http.GetFromJsonAsync($"api/v1/sandboxes?id={id}", DeckhandJson.Wire.ListSandboxInfo);
        return Assert.Single(items!);
    }

    /// <summary>The pid of a process sandbox's agent-server, from the registry.</summary>
    public async Task<ProcessRuntime> RuntimeAsync(string id)
    {
        var record = await Sandboxes.FindAsync(null, id) ?? throw new InvalidOperationException($"no sandbox {id}");
        return JsonSerializer.Deserialize<ProcessRuntime>(record.Runtime!, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;
    }

    /// <summary>Stops the server as a restart would: its sandboxes keep running.</summary>
    public async Task StopKeepingSandboxesAsync()
    {
        _stopped = true;
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            try
            {
                var page = await Sandboxes.SearchAsync(null, 0, 100);
                foreach (var sandbox in page.Items)
                    await Sandboxes.DeleteAsync(null, sandbox.Id);
            }
            finally
            {
                App.Services.GetRequiredService<ProcessSandboxProvider>().StopStrays(new HashSet<int>());
                await StopKeepingSandboxesAsync();
            }
        }
        if (_ownsDataDir)
            TempDir.Delete(DataDir);
    }
}
