using Deckhand.AgentServer.Bash;
using Deckhand.AgentServer.Conversations;
using Deckhand.AgentServer.Events;
using Deckhand.AgentServer.Files;
using Deckhand.AgentServer.Git;
using Deckhand.AgentServer.Hooks;
using Deckhand.AgentServer.Http;
using Deckhand.AgentServer.Llm;
using Deckhand.AgentServer.Mcp;
using Deckhand.AgentServer.ServerDetails;
using Deckhand.AgentServer.Secrets;
using Deckhand.AgentServer.Skills;
using Deckhand.AgentServer.Sockets;
using Deckhand.AgentServer.Webhooks;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Bash;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Files;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Storage;
using Deckhand.Engine.Tools;
using Microsoft.AspNetCore.Diagnostics;

namespace Deckhand.AgentServer;

/// <summary>Builds the agent-server web application: a table of contents of its features.</summary>
public static class AgentServerApp
{
    public static WebApplication Build(AgentServerOptions options, Action<IServiceCollection>? configure = null)
    {
        if (!options.IsLoopbackHost && !options.AuthEnabled)
            throw new InvalidOperationException(
                $"Refusing to listen on {options.Host} without a session API key: anyone on the network could drive the agent. "
                + "Set --session-api-key (or SESSION_API_KEY), or bind to 127.0.0.1.");

        var builder = Hosting.SlimWebHost.CreateBuilder(options.Host, options.Port, options.MaxJsonBodyBytes,
            "Deckhand agent-server",
            "OpenHands-compatible agent-server API.");

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(services => ShellIsolation.Create(options.Isolation, options.DataDir,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Deckhand.Isolation")));
        builder.Services.AddSingleton(services => new EngineOptions
        {
            DataDir = options.DataDir,
            IdleUnloadAfter = options.IdleUnloadAfter,
            Isolation = services.GetRequiredService<IShellIsolation>(),
            LlmTitles = options.LlmTitles,
            Observer = services.GetService<WebhookPublisher>(),
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ServerState>();
        if (options.Webhooks.Count > 0)
            builder.Services.AddSingleton<WebhookPublisher>();
        builder.Services.AddSingleton<SessionKeyAuth>();
        builder.Services.AddSingleton<IConversationStore>(_ => new SqliteConversationStore(Path.Combine(options.DataDir, "deckhand.db")));
        builder.Services.AddSingleton<ILlmClientFactory, LlmClientFactory>();
        builder.Services.AddSingleton<ToolRegistry>();
        builder.Services.AddSingleton<ConversationService>();
        builder.Services.AddSingleton<BashEventLog>();
        builder.Services.AddSingleton<BashService>();
        builder.Services.AddSingleton<WorkspaceRoots>();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        // Chosen (and logged) now, so an explicit --isolation bubblewrap that cannot work fails the start, not a shell.
        app.Services.GetRequiredService<IShellIsolation>();
        app.UseExceptionHandler(errors => errors.Run(UnhandledErrorAsync));
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        var auth = app.Services.GetRequiredService<SessionKeyAuth>();
        var state = app.Services.GetRequiredService<ServerState>();
        app.Use(async (context, next) =>
        {
            state.Touch();
            await auth.InvokeAsync(context, _ => next(context));
        });

        app.MapServerDetails();
        app.MapConversations();
        app.MapSecrets();
        app.MapSkills();
        app.MapEvents();
        app.MapConfirmation();
        app.MapEventSocket();
        app.MapLlm();
        app.MapBash();
        app.MapFiles();
        app.MapGit();
        app.MapHooks();
        app.MapMcp();
        app.MapOpenApi("/openapi.json");

        // Disposing the host disposes ConversationService (runs stop and are marked paused) and then the store.
        return app;
    }

    /// <summary>
    /// Starts listening, recovers conversations cut off by a crash, and only then reports ready on <c>/ready</c>, so
    /// nobody drives a conversation that recovery is still closing.
    /// </summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<ConversationService>().StartAsync(cancellationToken);
        app.Services.GetRequiredService<ServerState>().Ready = true;
    }

    /// <summary>Any exception that escaped a handler: 500 with an id to find it in the log, never the exception text.</summary>
    internal static async Task UnhandledErrorAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is BadHttpRequestException bad)
        {
            await ApiErrors.Detail(bad.StatusCode, bad.Message).ExecuteAsync(context);
            return;
        }
        var errorId = Guid.NewGuid().ToString("N");
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Deckhand.AgentServer")
            .LogError(error, "Unhandled error {ErrorId} on {Method} {Path}", errorId, context.Request.Method, context.Request.Path);
        await ApiErrors.Detail(StatusCodes.Status500InternalServerError, $"Internal Server Error (error_id {errorId})").ExecuteAsync(context);
    }
}
