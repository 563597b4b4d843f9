using Deckhand.AgentServer;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.AppConversations.Starting;
using Deckhand.AppServer.EventCallbacks;
using Deckhand.AppServer.Events;
using Deckhand.AppServer.GitProviders;
using Deckhand.AppServer.Health;
using Deckhand.AppServer.Http;
using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Sandboxes.Processes;
using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Settings;
using Deckhand.AppServer.Storage;
using Deckhand.AppServer.Users;
using Deckhand.AppServer.Web;
using Deckhand.AppServer.Webhooks;
using Deckhand.Contracts.Json;
using Deckhand.V0;

namespace Deckhand.AppServer;

/// <summary>Builds the app server (<c>deckhand serve</c>): a table of contents of its features.</summary>
public static class AppServerApp
{
    public static WebApplication Build(AppServerOptions options, Action<IServiceCollection>? configure = null)
    {
        if (!options.IsLoopbackHost && string.IsNullOrEmpty(options.ApiKey))
            throw new InvalidOperationException(
                $"Refusing to listen on {options.Host} without an API key: anyone on the network could start agents and read your settings. "
                + "Set --api-key (or DECKHAND_API_KEY), or bind to 127.0.0.1.");
        if (options.MaxSandboxes < 1)
            throw new InvalidOperationException("--max-sandboxes must be at least 1.");
        if (options.WebRoot is { } webRoot)
            WebAppSetup.CheckWebRoot(webRoot);
        if (options.MaxConcurrentConversations < 1)
            throw new InvalidOperationException("--max-concurrent-conversations must be at least 1.");
        if (!string.IsNullOrEmpty(options.WebhookBaseUrl)
            && !(Uri.TryCreate(options.WebhookBaseUrl, UriKind.Absolute, out var webhookUrl) && webhookUrl.Scheme is "http" or "https"
                 && string.IsNullOrEmpty(webhookUrl.Query) && string.IsNullOrEmpty(webhookUrl.UserInfo)))
            throw new InvalidOperationException("--webhook-base-url must be an absolute http(s) URL without user info or query, e.g. http://host.example:3000.");

        var builder = Hosting.SlimWebHost.CreateBuilder(options.Host, options.Port, options.MaxJsonBodyBytes,
            "Deckhand app server",
            "OpenHands-compatible app server: conversations, sandboxes, settings and secrets (V1 API under /api/v1).");

        // Opened here so a bad connection string fails the build, not the first request.
        var database = AppDatabase.Open(options.Database, options.DataDir);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => database); // a factory, so the container disposes it
        builder.Services.AddSingleton(SecretCipher.Load(options.DataDir, options.SecretKey));
        builder.Services.AddSingleton(CurrentUser.Local);
        builder.Services.AddSingleton<ApiKeyAuth>();
        builder.Services.AddSingleton<ISettingsRepository, SqlSettingsRepository>();
        builder.Services.AddSingleton<ISecretRepository, SqlSecretRepository>();
        builder.Services.AddSingleton<ISandboxRepository, SqlSandboxRepository>();
        builder.Services.AddSingleton(new SandboxOptions { MaxSandboxes = options.MaxSandboxes });
        builder.Services.AddSingleton(new ProcessSandboxOptions
        {
            SandboxesDir = options.SandboxesDir,
            DeckhandCommand = options.DeckhandCommand,
            AgentServerArgs = options.SandboxAgentServerArgs,
            StartTimeout = options.SandboxStartTimeout,
        });
        builder.Services.AddSingleton<ProcessSandboxProvider>();
        builder.Services.AddSingleton<ISandboxProvider>(services => services.GetRequiredService<ProcessSandboxProvider>());
        builder.Services.AddSingleton<SandboxService>();
        builder.Services.AddAppConversations();
        builder.Services.AddWebhooks();
        builder.Services.AddGitProviders();
        builder.Services.AddSingleton<ServerActivity>();
        builder.Services.AddWebApp(options);
        builder.Services.AddV0();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseExceptionHandler(errors => errors.Run(AgentServerApp.UnhandledErrorAsync));
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseCorsAndCacheHeaders();
        var activity = app.Services.GetRequiredService<ServerActivity>();
        app.Use((context, next) =>
        {
            activity.Seen(context.Request.Path);
            return next(context);
        });
        var auth = app.Services.GetRequiredService<ApiKeyAuth>();
        app.Use((context, next) => auth.InvokeAsync(context, _ => next(context)));

        app.MapHealth();
        app.MapSandboxes();
        app.MapAppConversations();
        app.MapWebhooks();
        app.MapEvents();
        app.MapUsers();
        app.MapSettings();
        app.MapSecrets();
        app.MapGitProviders();
        app.MapV0();
        app.MapOpenApi("/openapi.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi.json", "Deckhand app server");
            o.DocumentTitle = "Deckhand app server API";
        });
        app.MapWebApp(options); // last: API routes and the API description win over the web app's files and fallback
        return app;
    }

    /// <summary>
    /// Migrates the database, re-adopts sandboxes that survived the last run (and marks the dead ones), and only then
    /// starts listening; then points the re-adopted sandboxes' webhooks at the address it now listens on.
    /// </summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.Services.GetRequiredService<AppDatabase>().MigrateAsync(cancellationToken);
        await app.Services.GetRequiredService<SandboxService>().RecoverAsync(cancellationToken);
        await app.Services.GetRequiredService<StartTaskRunner>().RecoverAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<SandboxService>().RepointWebhooksAsync(cancellationToken);
    }
}
