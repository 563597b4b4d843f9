using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.Settings;

/// <summary>
/// The two read shapes of a user's settings, both built from <see cref="UserSettings"/> so the field list lives once:
/// <c>GET /api/v1/users/me</c> (secrets masked, plus <c>id</c>) and <c>GET /api/settings</c> (secrets null, plus
/// <c>*_set</c> flags). Both carry the frozen <c>secrets_store</c> and a masked MCP config.
/// </summary>
public static class SettingsJson
{
    public static JsonObject UserInfo(UserSettings settings, string? userId)
    {
        var json = Common(settings);
        json["id"] = userId;
        return json;
    }

    public static JsonObject ForSettingsPage(UserSettings settings, IReadOnlyDictionary<string, string?> providerTokensSet)
    {
        var json = Common(settings);
        json["llm_api_key"] = null;
        json["search_api_key"] = null;
        json["sandbox_api_key"] = null;
        var providers = new JsonObject();
        foreach (var (provider, host) in providerTokensSet)
            providers[provider] = host;
        json["provider_tokens_set"] = providers;
        json["llm_api_key_set"] = settings.LlmApiKey is not null;
        json["search_api_key_set"] = settings.SearchApiKey is not null;
        return json;
    }

    private static JsonObject Common(UserSettings settings)
    {
        // The wire serializer writes every field and masks SecretString values.
        var json = JsonSerializer.SerializeToNode(settings, DeckhandJson.Wire.UserSettings)!.AsObject();
        json["secrets_store"] = new JsonObject { ["provider_tokens"] = new JsonObject() };
        json["mcp_config"] = McpConfigSecrets.Mask(settings.McpConfig);
        return json;
    }
}
