using System.Text.Json;
using System.Text.Json.Nodes;

namespace Deckhand.AgentServer.Hooks;

/// <summary>
/// Reads a project's <c>.openhands/hooks.json</c> into OpenHands' HookConfig shape: an object keyed by event type
/// (<c>pre_tool_use</c>, <c>post_tool_use</c>, <c>user_prompt_submit</c>, <c>session_start</c>, <c>session_end</c>,
/// <c>stop</c>), each a list of <c>{"matcher","hooks":[{"type","command","timeout","async"}]}</c> with defaults filled.
/// Accepts the file with or without a top-level <c>hooks</c> wrapper and with PascalCase event names (<c>PreToolUse</c>).
/// </summary>
public static class HookFile
{
    public static readonly string[] EventTypes = ["pre_tool_use", "post_tool_use", "user_prompt_submit", "session_start", "session_end", "stop"];

    /// <summary>The normalized configuration, or null when the project has no hooks file or it holds no hooks.</summary>
    /// <exception cref="HookFileException">The file is not valid JSON or not shaped like a hook configuration.</exception>
    public static JsonObject? Load(string projectDir)
    {
        var path = Path.Combine(projectDir, ".openhands", "hooks.json");
        if (!File.Exists(path))
            return null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new HookFileException($".openhands/hooks.json is not valid JSON: {ex.Message}");
        }
        if (root is JsonObject wrapper && wrapper["hooks"] is JsonObject inner)
            root = inner;
        if (root is not JsonObject events)
            throw new HookFileException(".openhands/hooks.json must hold a JSON object of event types.");
        var config = new JsonObject();
        foreach (var (key, value) in events)
        {
            var type = EventType(key) ?? throw new HookFileException($"Unknown hook event type '{key}'.");
            if (value is not JsonArray matchers)
                throw new HookFileException($"Hooks for '{key}' must be a list of matchers.");
            var list = new JsonArray();
            foreach (var matcher in matchers)
                list.Add((JsonNode)Matcher(matcher, key));
            if (list.Count > 0)
                config[type] = list;
        }
        return config.Count == 0 ? null : config;
    }

    private static JsonObject Matcher(JsonNode? node, string key)
    {
        if (node is not JsonObject matcher)
            throw new HookFileException($"Each matcher of '{key}' must be an object.");
        var hooks = new JsonArray();
        if (matcher["hooks"] is JsonArray definitions)
        {
            foreach (var definition in definitions)
            {
                if (definition is not JsonObject hook || hook["command"]?.GetValueKind() != JsonValueKind.String)
                    throw new HookFileException($"Each hook of '{key}' needs a 'command' string.");
                hooks.Add((JsonNode)new JsonObject
                {
                    ["type"] = hook["type"]?.GetValueKind() == JsonValueKind.String ? hook["type"]!.GetValue<string>() : "command",
                    ["command"] = hook["command"]!.GetValue<string>(),
                    ["timeout"] = hook["timeout"]?.GetValueKind() == JsonValueKind.Number ? hook["timeout"]!.DeepClone() : 60,
                    ["async"] = hook["async"]?.GetValueKind() == JsonValueKind.True,
                });
            }
        }
        return new JsonObject
        {
            ["matcher"] = matcher["matcher"]?.GetValueKind() == JsonValueKind.String ? matcher["matcher"]!.GetValue<string>() : "*",
            ["hooks"] = hooks,
        };
    }

    /// <summary><c>PreToolUse</c>, <c>preToolUse</c> and <c>pre_tool_use</c> all name <c>pre_tool_use</c>.</summary>
    private static string? EventType(string key)
    {
        var flat = key.Replace("_", "", StringComparison.Ordinal);
        return EventTypes.FirstOrDefault(t => string.Equals(t.Replace("_", "", StringComparison.Ordinal), flat, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>A hooks file that cannot be used; the message says why.</summary>
public sealed class HookFileException(string message) : Exception(message);
