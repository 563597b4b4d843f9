namespace Deckhand.V0.ConversationRoutes;

/// <summary>
/// The per-conversation V0 routes under <c>/api/conversations/{conversation_id}</c> (spec §1.3-1.4), for any conversation
/// of the catalogue (V0 or V1): info, events, workspace files, git, skills, remember-prompt and feedback.
/// </summary>
public static class V0ConversationRoutes
{
    public static IServiceCollection AddV0ConversationRoutes(this IServiceCollection services) =>
        services.AddSingleton<V0Conversations>();

    public static IEndpointRouteBuilder MapV0ConversationRoutes(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/conversations/{conversation_id}").WithTags("V0 conversations");
        InfoRoutes.Map(group);
        EventRoutes.Map(group);
        FileRoutes.Map(group);
        GitRoutes.Map(group);
        AgentRoutes.Map(group);
        return app;
    }
}
