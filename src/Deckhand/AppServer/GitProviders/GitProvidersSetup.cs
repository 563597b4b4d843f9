namespace Deckhand.AppServer.GitProviders;

/// <summary>Provider tokens (<c>/api/add-git-providers</c>, <c>/api/unset-provider-tokens</c>) and the <c>/api/user</c> git routes.</summary>
public static class GitProvidersSetup
{
    public static IServiceCollection AddGitProviders(this IServiceCollection services)
    {
        services.AddSingleton<ProviderTokenRepository>();
        services.AddSingleton(s => new GitProviderApi(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, s.GetRequiredService<AppServerOptions>()));
        services.AddSingleton<GitHubSession>();
        return services;
    }

    public static IEndpointRouteBuilder MapGitProviders(this IEndpointRouteBuilder app)
    {
        app.MapProviderTokens();
        app.MapUserGit();
        return app;
    }
}
