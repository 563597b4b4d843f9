using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.Settings;

/// <summary>
/// An MCP config holds credentials (<c>api_key</c> of SSE/HTTP servers, <c>env</c> of stdio servers). Responses mask
/// them; a masked value that comes back in a save means "unchanged", so it is restored from what is stored (matched by
/// server URL, or by stdio server name and variable).
/// </summary>
public static class McpConfigSecrets
{
    private static readonly string[] UrlServerLists = ["sse_servers", "shttp_servers"];

    public static JsonNode? Mask(JsonElement? config)
    {
        if (config is not { ValueKind: JsonValueKind.Object } value)
            return config is { } other ? JsonNode.Parse(other.GetRawText()) : null;
        var node = JsonNode.Parse(value.GetRawText())!.AsObject();
        foreach (var server in UrlServers(node))
        {
            if (server["api_key"] is JsonValue key && key.TryGetValue<string>(out var text) && text.Length > 0)
                server["api_key"] = SecretString.Redacted;
        }
        foreach (var env in StdioEnvironments(node))
        {
            foreach (var name in env.Select(p => p.Key).ToList())
            {
                if (env[name] is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0)
                    env[name] = SecretString.Redacted;
            }
        }
        return node;
    }

    /// <summary>Replaces masked values in <paramref name="incoming"/> with the stored ones; a mask with no stored value becomes null.</summary>
    public static JsonElement? Restore(JsonElement? incoming, JsonElement? stored)
    {
        if (incoming is not { ValueKind: JsonValueKind.Object } value)
            return incoming;
        var node = JsonNode.Parse(value.GetRawText())!.AsObject();
        var old = stored is { ValueKind: JsonValueKind.Object } s ? JsonNode.Parse(s.GetRawText())!.AsObject() : null;
        var changed = false;
        foreach (var server in UrlServers(node))
        {
            if (!IsMask(server["api_key"]))
                continue;
            var url = server["url"] is JsonValue uv && uv.TryGetValue<string>(out var su) ? su : null;
            server["api_key"] = old is null ? null
                : UrlServers(old).FirstOrDefault(o => url is not null && o["url"] is JsonValue u && u.TryGetValue<string>(out var ou) && ou == url)?["api_key"]?.DeepClone();
            changed = true;
        }
        foreach (var server in StdioServers(node))
        {
            if (server["env"] is not JsonObject env)
                continue;
            var name = server["name"] is JsonValue n && n.TryGetValue<string>(out var sn) ? sn : null;
            var oldEnv = old is null ? null
                : StdioServers(old).FirstOrDefault(o => o["name"] is JsonValue on && on.TryGetValue<string>(out var osn) && osn == name)?["env"] as JsonObject;
            foreach (var key in env.Select(p => p.Key).ToList())
            {
                if (!IsMask(env[key]))
                    continue;
                env[key] = oldEnv?[key]?.DeepClone();
                changed = true;
            }
        }
        return changed ? JsonSerializer.SerializeToElement(node, DeckhandJson.Storage.JsonObject) : incoming;
    }

    private static bool IsMask(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) && text == SecretString.Redacted;

    private static IEnumerable<JsonObject> UrlServers(JsonObject config) =>
        UrlServerLists.SelectMany(list => config[list] is JsonArray array ? array.OfType<JsonObject>() : []);

    private static IEnumerable<JsonObject> StdioServers(JsonObject config) =>
        config["stdio_servers"] is JsonArray array ? array.OfType<JsonObject>() : [];

    private static IEnumerable<JsonObject> StdioEnvironments(JsonObject config) =>
        StdioServers(config).Select(s => s["env"]).OfType<JsonObject>();
}
