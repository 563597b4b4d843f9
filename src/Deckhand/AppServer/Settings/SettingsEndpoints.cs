using System.Text.Json;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.GitProviders;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;

namespace Deckhand.AppServer.Settings;

/// <summary>
/// <c>GET/POST /api/settings</c>: the settings routes the OpenHands web app uses (V1 has none of its own at the
/// baseline; V0 spec §1.5). Secrets go in and never come out: GET returns them as null with <c>*_set</c> flags.
/// </summary>
public static class SettingsEndpoints
{
    /// <summary>Fields where a null in a save means "keep what is stored" (V0 spec §1.5 merge rules).</summary>
    private static readonly string[] KeptWhenNull = ["llm_api_key", "search_api_key", "llm_model", "llm_base_url", "user_consents_to_analytics"];

    public static IEndpointRouteBuilder MapSettings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Settings");
        group.MapGet("/settings", GetAsync);
        group.MapPost("/settings", SaveAsync).Accepts<UserSettings>("application/json").Produces<MessageBody>();
        group.MapPost("/reset-settings", () => TypedResults.Json(new ErrorBody("Reset settings functionality has been removed."),
            DeckhandJson.Wire.ErrorBody, statusCode: StatusCodes.Status410Gone));
        return app;
    }

    private static async Task<IResult> GetAsync(ISettingsRepository settings, ProviderTokenRepository tokens, CurrentUser user,
        CancellationToken cancellationToken)
    {
        if (await settings.GetAsync(user.Id, cancellationToken) is not { } stored)
            return TypedResults.Json(new ErrorBody("Settings not found"), DeckhandJson.Wire.ErrorBody, statusCode: StatusCodes.Status404NotFound);
        // provider -> host (null for the provider's public host); the tokens themselves never leave the server.
        var providers = (await tokens.ListAsync(user.Id, cancellationToken)).ToDictionary(t => t.Provider, t => t.Host, StringComparer.Ordinal);
        return TypedResults.Json(SettingsJson.ForSettingsPage(stored, providers), DeckhandJson.Wire.JsonObject);
    }

    private static async Task<IResult> SaveAsync(HttpRequest request, ISettingsRepository settings, CurrentUser user, AppServerOptions options,
        CancellationToken cancellationToken)
    {
        var (raw, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (raw.ValueKind != JsonValueKind.Object)
            return ApiErrors.Invalid("body", "The body must be a JSON object.", "model_type");
        var (body, invalid) = JsonBody.Convert(raw, DeckhandJson.Wire.UserSettings);
        if (invalid is not null)
            return invalid;
        if (Validate(body!) is { } problem)
            return ApiErrors.Invalid([problem]);

        var stored = await settings.GetAsync(user.Id, cancellationToken);
        var merged = body! with
        {
            LlmApiKey = Kept(raw, "llm_api_key", body.LlmApiKey, stored?.LlmApiKey),
            SearchApiKey = Kept(raw, "search_api_key", body.SearchApiKey, stored?.SearchApiKey),
            LlmModel = Kept(raw, "llm_model", body.LlmModel, stored?.LlmModel),
            LlmBaseUrl = Kept(raw, "llm_base_url", body.LlmBaseUrl, stored?.LlmBaseUrl),
            UserConsentsToAnalytics = body.UserConsentsToAnalytics ?? stored?.UserConsentsToAnalytics,
            McpConfig = McpConfigSecrets.Restore(body.McpConfig, stored?.McpConfig),
        };
        await settings.SaveAsync(user.Id, merged, cancellationToken);
        return TypedResults.Json(new MessageBody("Settings stored"), DeckhandJson.Wire.MessageBody);
    }

    /// <summary>
    /// Null (or absent, or the mask <c>**********</c> echoed back) keeps the stored value; an empty string clears it;
    /// anything else replaces it.
    /// </summary>
    private static T? Kept<T>(JsonElement raw, string name, T? given, T? stored) where T : class
    {
        if (!raw.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return stored;
        if (value.ValueKind == JsonValueKind.String && value.GetString() == SecretString.Redacted)
            return stored;
        return given; // "" reads as null for secrets: cleared
    }

    private static FieldProblem? Validate(UserSettings settings)
    {
        if (settings.CondenserMaxSize is < 20)
            return new FieldProblem("greater_than_equal", ["body", "condenser_max_size"], "condenser_max_size must be at least 20.");
        if (settings.MaxIterations is < 1)
            return new FieldProblem("greater_than_equal", ["body", "max_iterations"], "max_iterations must be at least 1.");
        if (settings.MaxBudgetPerTask is { } budget && !(budget > 0 && double.IsFinite(budget)))
            return new FieldProblem("greater_than", ["body", "max_budget_per_task"], "max_budget_per_task must be a positive number.");
        if (settings.McpConfig is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
            return new FieldProblem("model_type", ["body", "mcp_config"], "mcp_config must be an object.");
        return null;
    }
}
