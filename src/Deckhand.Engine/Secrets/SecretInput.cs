using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;

namespace Deckhand.Engine.Secrets;

/// <summary>
/// Reads secrets as clients send them: a plain string, <c>{"value": ...}</c> without a kind (both a
/// <see cref="StaticSecret"/>), or a <see cref="SecretSource"/> with its <c>kind</c>. Error messages name the secret,
/// never its value.
/// </summary>
public static class SecretInput
{
    public const int MaxNameLength = 256;

    /// <summary>Parses one secret; on failure returns null and a message.</summary>
    public static SecretSource? Parse(string name, JsonElement value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            error = $"Secret names must be 1 to {MaxNameLength} characters.";
            return null;
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return new StaticSecret { Value = SecretString.FromInput(value.GetString()) };
            case JsonValueKind.Object:
                break;
            default:
                error = $"Secret '{name}' must be a string or an object with a 'value' (StaticSecret) or 'url' (LookupSecret).";
                return null;
        }
        if (!value.TryGetProperty("kind", out var kind))
        {
            if (value.TryGetProperty("url", out _))
            {
                error = $"Secret '{name}' has a 'url' but no \"kind\": \"LookupSecret\".";
                return null;
            }
            var node = JsonNode.Parse(value.GetRawText())!.AsObject();
            node["kind"] = nameof(StaticSecret);
            value = ToElement(node);
        }
        else if (kind.ValueKind != JsonValueKind.String || kind.GetString() is not (nameof(StaticSecret) or nameof(LookupSecret)))
        {
            error = $"Secret '{name}' has an unknown kind; expected StaticSecret or LookupSecret.";
            return null;
        }
        try
        {
            // The wire context reads secret values as given (it only redacts when writing).
            var source = value.Deserialize(DeckhandJson.Wire.SecretSource);
            if (source is LookupSecret lookup && !(Uri.TryCreate(lookup.Url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                error = $"Secret '{name}': url must be an absolute http(s) URL.";
                return null;
            }
            return source;
        }
        catch (JsonException)
        {
            error = $"Secret '{name}' is not a valid StaticSecret or LookupSecret object.";
            return null;
        }
    }

    /// <summary>Parses a map of secrets; problems are returned by name.</summary>
    public static Dictionary<string, SecretSource> ParseAll(IReadOnlyDictionary<string, JsonElement> secrets, List<(string Name, string Error)> problems)
    {
        var parsed = new Dictionary<string, SecretSource>(StringComparer.Ordinal);
        foreach (var (name, value) in secrets)
        {
            if (Parse(name, value, out var error) is { } source)
                parsed[name] = source;
            else
                problems.Add((name, error!));
        }
        return parsed;
    }

    /// <summary>
    /// The secrets inside <c>agent_context.secrets</c> (lowest priority), and the agent context with their values
    /// redacted, so the agent stored and returned never carries them.
    /// </summary>
    public static (Dictionary<string, SecretSource> Secrets, JsonElement? AgentContext) FromAgentContext(JsonElement? agentContext,
        List<(string Name, string Error)> problems)
    {
        if (agentContext is not { ValueKind: JsonValueKind.Object } context
            || !context.TryGetProperty("secrets", out var secrets) || secrets.ValueKind != JsonValueKind.Object)
            return ([], agentContext);
        var parsed = ParseAll(secrets.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal), problems);
        var node = JsonNode.Parse(context.GetRawText())!.AsObject();
        var redacted = new JsonObject();
        foreach (var (name, source) in parsed)
            redacted[name] = JsonSerializer.SerializeToNode(source, DeckhandJson.Wire.SecretSource);
        node["secrets"] = redacted;
        return (parsed, ToElement(node));
    }

    private static JsonElement ToElement(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Applies an update: later sources replace earlier ones by name. A static secret without a value (empty, or
    /// the redacted placeholder a client read back) leaves an existing secret of that name unchanged.
    /// </summary>
    public static IReadOnlyDictionary<string, SecretSource> Merge(IReadOnlyDictionary<string, SecretSource> current,
        IReadOnlyDictionary<string, SecretSource> update)
    {
        var merged = new Dictionary<string, SecretSource>(current, StringComparer.Ordinal);
        foreach (var (name, source) in update)
        {
            if (source is StaticSecret { Value: null } && merged.ContainsKey(name))
                continue;
            merged[name] = source;
        }
        return merged;
    }
}
