using Deckhand.V0.Options;
using Deckhand.AppServer.EventCallbacks;
using Deckhand.V0.Conversations;
using Deckhand.V0.ConversationRoutes;
using Deckhand.V0.SocketIo;
using Deckhand.V0.Sockets;

namespace Deckhand.V0;

/// <summary>
/// The V0 facade of the app server (V0 spec): OpenHands' <c>/api/conversations</c> routes and the socket.io endpoint, over
/// the same sandboxes, catalogue and event copy as V1. Each V0 feature registers and maps itself here.
/// </summary>
public static class V0Setup
{
    public static IServiceCollection AddV0(this IServiceCollection services)
    {
        services.AddSingleton(s => new V0SocketHandler(s.GetRequiredService<AppServer.AppServerOptions>(),
            s.GetRequiredService<AppServer.AppConversations.ConversationTargets>(), s.GetRequiredService<AppServer.Settings.ISettingsRepository>(),
            s.GetRequiredService<AppServer.Sandboxes.SandboxService>(), s.GetRequiredService<V0ConversationRooms>,
            s.GetRequiredService<V0ClientCommands>(), s.GetRequiredService<ILogger<V0SocketHandler>>()));
        services.AddSingleton(s => new SocketIoServer(s.GetRequiredService<V0SocketHandler>(), new SocketIoOptions(),
            s.GetRequiredService<ILogger<SocketIoServer>>()));
        services.AddSingleton<V0Rooms>();
        services.AddSingleton<V0AgentFollower>();
        services.AddSingleton<V0ConversationRooms>();
        services.AddSingleton<V0ClientCommands>();
        services.AddSingleton<Events.V0History>();
        services.AddSingleton<V0Lifecycle>();
        services.AddSingleton<V0ConversationService>();
        services.AddSingleton<V0ConversationList>();
        services.AddSingleton<IConversationTitleListener, V0TitleListener>();
        services.AddSingleton<V0IdleSweeper>();
        services.AddHostedService(s => s.GetRequiredService<V0IdleSweeper>());
        services.AddV0ConversationRoutes();
        return services;
    }

    public static WebApplication MapV0(this WebApplication app)
    {
        app.MapOptions();
        app.MapSocketIo("/socket.io", app.Services.GetRequiredService<SocketIoServer>());
        app.MapV0Conversations();
        app.MapV0ConversationRoutes();
        return app;
    }
}
