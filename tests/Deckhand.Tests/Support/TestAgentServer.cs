using Deckhand.AgentServer;
using Deckhand.AgentServer.Webhooks;
using Deckhand.Client;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Isolation;
using Deckhand.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.Support;

/// <summary>The real agent-server on a free loopback port, in this process, with its own data directory.</summary>
public sealed class TestAgentServer : IAsyncDisposable
{
    private readonly bool _ownsDataDir;

    private TestAgentServer(WebApplication app, Uri baseUrl, string dataDir, bool ownsDataDir, string? key)
    {
        App = app;
        BaseUrl = baseUrl;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        Client = new AgentServerClient(Http, key);
    }

    public WebApplication App { get; }
    public Uri BaseUrl { get; }
    public string DataDir { get; }
    public HttpClient Http { get; }
    public AgentServerClient Client { get; }
    public ConversationService Conversations => App.Services.GetRequiredService<ConversationService>();

    public static async Task<TestAgentServer> StartAsync(string? dataDir = null, IReadOnlyList<string>? keys = null,
        TimeSpan? idleUnloadAfter = null, IsolationOptions? isolation = null, ILoggerProvider? logs = null, bool llmTitles = false,
        LogLevel? deckhandLogLevel = null, IReadOnlyList<WebhookSpec>? webhooks = null, TimeSpan? webhookShutdownGrace = null)
    {
        var owns = dataDir is null;
        dataDir ??= TempDir.Create("deckhand-server");
        var app = AgentServerApp.Build(new AgentServerOptions
        {
            Port = 0,
            DataDir = dataDir,
            SessionApiKeys = keys ?? [],
            IdleUnloadAfter = idleUnloadAfter ?? TimeSpan.FromMinutes(20),
            // Tests that want a sandbox say so; the others should not pay for probing bubblewrap.
            Isolation = isolation ?? new IsolationOptions { Mode = IsolationMode.None },
            // Off unless a test is about titles: a title call would take replies scripted for the agent.
            LlmTitles = llmTitles,
            Webhooks = webhooks ?? [],
            WebhookShutdownGrace = webhookShutdownGrace ?? TimeSpan.FromSeconds(3),
        }, services =>
        {
            services.AddSingleton<IHostLifetime, QuietHostLifetime>();
            if (logs is not null)
                services.AddSingleton(logs);
            // Added after the app's own filters, so this rule wins for Deckhand's categories.
            if (deckhandLogLevel is { } level)
                services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(null, "Deckhand", level, null)));
        });
        await AgentServerApp.StartAsync(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestAgentServer(app, new Uri(address.TrimEnd('/') + "/"), dataDir, owns, keys?.FirstOrDefault());
    }

    /// <summary>A client with a different (or no) session key.</summary>
    public AgentServerClient ClientWithKey(string? key) => new(Http, key);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsDataDir)
            TempDir.Delete(DataDir);
    }
}
