using Deckhand.AppServer.EventCallbacks;
using Deckhand.AppServer.Events;

namespace Deckhand.AppServer.Webhooks;

/// <summary>Registers what the webhooks need: the event copy, the metadata updates, sandbox auth, callbacks, sandbox env.</summary>
public static class WebhooksFeature
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<ConversationEventStore>();
        services.AddSingleton<LiveEventFeed>();
        services.AddSingleton<EventIngest>();
        services.AddSingleton<ConversationMetadataUpdates>();
        services.AddSingleton<WebhookAuth>();
        services.AddSingleton<WebhookServices>();
        services.AddSingleton<SandboxWebhookEnvironment>();
        services.AddSingleton(new EventCallbackOptions());
        services.AddSingleton<SqlEventCallbackRepository>();
        services.AddSingleton<EventCallbackRunner>();
        services.AddSingleton<EventCallbackDispatcher>();
        services.AddSingleton<EventCallbackService>();
        return services;
    }
}
