using Deckhand.AppServer.GitProviders;
using Deckhand.AppServer.Settings;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;

namespace Deckhand.V0.Options;

/// <summary>
/// <c>/api/options/*</c> (V0 spec §1.2): what the OpenHands web app asks before anything else. Deckhand answers with what
/// it really supports, not OpenHands' lists.
/// </summary>
public static class OptionsEndpoints
{
    /// <summary>
    /// Deckhand runs one agent: the coding agent with terminal, file editor and task tracker tools, the counterpart of
    /// OpenHands' default <c>CodeActAgent</c>; the web app stores this name in settings and shows it as the choice.
    /// </summary>
    public static readonly IReadOnlyList<string> Agents = ["CodeActAgent"];

    /// <summary>The <c>security_analyzer</c> settings values a conversation honours (<c>invariant</c> is accepted as an alias of <c>pattern</c>).</summary>
    public static readonly IReadOnlyList<string> SecurityAnalyzers = ["llm", "pattern"];

    public static IEndpointRouteBuilder MapOptions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/options").WithTags("Options");
        group.MapGet("/config", ConfigAsync).Produces<WebAppConfig>();
        group.MapGet("/models", ModelsAsync).Produces<List<string>>();
        group.MapGet("/agents", () => TypedResults.Json(Agents.ToList(), DeckhandJson.Wire.ListString)).Produces<List<string>>();
        group.MapGet("/security-analyzers", () => TypedResults.Json(SecurityAnalyzers.ToList(), DeckhandJson.Wire.ListString))
            .Produces<List<string>>();
        return app;
    }

    private static async Task<IResult> ConfigAsync(ProviderTokenRepository tokens, CurrentUser user, CancellationToken cancellationToken)
    {
        var stored = await tokens.ListAsync(user.Id, cancellationToken);
        var config = new WebAppConfig { ProvidersConfigured = stored.Select(t => t.Provider).Order(StringComparer.Ordinal).ToList() };
        return TypedResults.Json(config, DeckhandJson.Wire.WebAppConfig);
    }

    private static async Task<IResult> ModelsAsync(ISettingsRepository settings, CurrentUser user, CancellationToken cancellationToken)
    {
        var configured = (await settings.GetAsync(user.Id, cancellationToken))?.LlmModel;
        return TypedResults.Json(ModelCatalog.List(configured), DeckhandJson.Wire.ListString);
    }
}
