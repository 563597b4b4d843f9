using Deckhand.AppServer.AppConversations.Messages;
using Deckhand.AppServer.AppConversations.Starting;
using Deckhand.AppServer.AppConversations.Storage;

namespace Deckhand.AppServer.AppConversations;

/// <summary>Registers the app-conversation feature: storage, the start flow, messages and the catalogue.</summary>
public static class AppConversationsSetup
{
    public static IServiceCollection AddAppConversations(this IServiceCollection services)
    {
        services.AddSingleton<StartTaskRepository>();
        services.AddSingleton<AppConversationInfoRepository>();
        services.AddSingleton<PendingMessageRepository>();
        services.AddSingleton<EventCallbackRegistrations>();
        services.AddSingleton<BackgroundWork>();
        services.AddSingleton<SandboxAgents>();
        services.AddSingleton(s => new GitCli(Path.Combine(s.GetRequiredService<AppServerOptions>().DataDir, "tools")));
        services.AddSingleton<GitTokens>();
        services.AddSingleton<RepositoryPreparer>();
        services.AddSingleton<WorkspaceScripts>();
        services.AddSingleton<PendingMessageDelivery>();
        services.AddSingleton<StartFlow>();
        services.AddSingleton<StartTaskRunner>();
        services.AddSingleton<MessageSender>();
        services.AddSingleton<LiveStatus>();
        services.AddSingleton<ConversationTargets>();
        services.AddSingleton<AppConversationService>();
        return services;
    }
}
