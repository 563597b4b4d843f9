using System.Text.Json;
using System.Text.Json.Nodes;

namespace Deckhand.Engine.Tools.Mcp;

/// <summary>
/// An MCP tool's <c>inputSchema</c> as the model sees it (spec §5.1 simplification: <c>$ref</c>s resolved inline,
/// <c>anyOf [T, null]</c> collapsed to <c>T</c>, only <c>type</c>, <c>description</c>, <c>properties</c>,
/// <c>required</c>, <c>items</c>, <c>enum</c> kept), and the checks the arguments get before they are sent.
/// </summary>
internal static class McpSchema
{
    private const int MaxDepth = 12;

    public static JsonElement Simplify(JsonElement inputSchema)
    {
        var root = inputSchema.ValueKind == JsonValueKind.Object ? JsonNode.Parse(inputSchema.GetRawText())!.AsObject() : [];
        var simplified = Node(root, root, 0) as JsonObject ?? [];
        simplified["type"] = "object";
        if (simplified["properties"] is not JsonObject)
            simplified["properties"] = new JsonObject();
        return ToolSchema.Parse(simplified.ToJsonString());
    }

    private static JsonNode? Node(JsonNode? node, JsonObject root, int depth)
    {
        if (node is not JsonObject obj || depth > MaxDepth)
            return new JsonObject();
        if (obj["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var path) && Resolve(root, path) is { } target)
        {
            var resolved = Node(target, root, depth + 1) as JsonObject ?? [];
            if (obj["description"] is JsonValue d && resolved["description"] is null)
                resolved["description"] = d.DeepClone();
            return resolved;
        }
        foreach (var union in new[] { "anyOf", "oneOf" })
        {
            if (obj[union] is not JsonArray options)
                continue;
            var real = options.Where(o => !IsNull(o)).ToList();
            JsonObject result;
            if (real.Count == 1)
                result = Node(real[0], root, depth + 1) as JsonObject ?? [];
            else
                result = new JsonObject { ["anyOf"] = new JsonArray([.. real.Select(o => Node(o, root, depth + 1))]) };
            if (obj["description"] is JsonValue description && result["description"] is null)
                result["description"] = description.DeepClone();
            return result;
        }

        var copy = new JsonObject();
        switch (obj["type"])
        {
            case JsonValue type:
                copy["type"] = type.DeepClone();
                break;
            case JsonArray types:
                // ["string", "null"] means an optional string.
                var named = types.OfType<JsonValue>().Select(t => t.GetValue<string>()).Where(t => t != "null").ToList();
                if (named.Count == 1)
                    copy["type"] = named[0];
                else if (named.Count > 1)
                    copy["type"] = new JsonArray([.. named.Select(n => (JsonNode)n)]);
                break;
        }
        if (obj["description"] is JsonValue desc)
            copy["description"] = desc.DeepClone();
        if (obj["enum"] is JsonArray values)
            copy["enum"] = new JsonArray([.. values.Where(v => v is not null).Select(v => v!.DeepClone())]);
        if (obj["properties"] is JsonObject properties)
        {
            var props = new JsonObject();
            foreach (var (name, value) in properties)
                props[name] = Node(value, root, depth + 1);
            copy["properties"] = props;
        }
        if (obj["required"] is JsonArray required)
            copy["required"] = required.DeepClone();
        if (obj["items"] is JsonObject items)
            copy["items"] = Node(items, root, depth + 1);
        return copy;
    }

    private static bool IsNull(JsonNode? option) =>
        option is JsonObject o && o["type"] is JsonValue t && t.TryGetValue<string>(out var name) && name == "null";

    /// <summary>Resolves a local reference such as <c>#/$defs/Item</c>.</summary>
    private static JsonNode? Resolve(JsonObject root, string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
            return null;
        JsonNode? current = root;
        foreach (var raw in reference[2..].Split('/'))
        {
            var part = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            current = current is JsonObject o ? o[part] : null;
            if (current is null)
                return null;
        }
        return current;
    }

    /// <summary>
    /// Checks arguments against the (simplified) schema: required parameters present, top-level types right, enum
    /// values allowed. A list or object the model sent as a JSON string is decoded. <c>kind</c> is never forwarded.
    /// </summary>
    /// <exception cref="ToolArgumentException">With a message the model can act on.</exception>
    public static JsonElement Check(JsonElement arguments, JsonElement schema)
    {
        if (arguments.ValueKind != JsonValueKind.Object)
            throw new ToolArgumentException("Arguments must be a JSON object.");
        var args = JsonNode.Parse(arguments.GetRawText())!.AsObject();
        args.Remove("kind");
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            var missing = required.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String)
                .Select(r => r.GetString()!).Where(name => args[name] is null).ToList();
            if (missing.Count > 0)
                throw new ToolArgumentException($"Missing required parameter(s): {string.Join(", ", missing.Select(m => $"'{m}'"))}");
        }
        if (properties.ValueKind != JsonValueKind.Object)
            return ToolSchema.Parse(args.ToJsonString());
        foreach (var name in args.Select(a => a.Key).ToList())
        {
            if (!properties.TryGetProperty(name, out var property) || property.ValueKind != JsonValueKind.Object)
                continue;
            args[name] = CheckValue(name, args[name], property);
        }
        return ToolSchema.Parse(args.ToJsonString());
    }

    private static JsonNode? CheckValue(string name, JsonNode? value, JsonElement property)
    {
        if (!property.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            return value;
        var type = typeElement.GetString();
        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        if (type is "array" or "object" && kind == JsonValueKind.String)
        {
            // Models sometimes send a list as its JSON text.
            try
            {
                var decoded = JsonNode.Parse(value!.GetValue<string>());
                if (decoded?.GetValueKind() == (type == "array" ? JsonValueKind.Array : JsonValueKind.Object))
                {
                    value = decoded;
                    kind = decoded.GetValueKind();
                }
            }
            catch (JsonException)
            {
            }
        }
        var ok = type switch
        {
            "string" => kind == JsonValueKind.String,
            "integer" => kind == JsonValueKind.Number && value!.AsValue().TryGetValue<long>(out _),
            "number" => kind == JsonValueKind.Number,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "array" => kind == JsonValueKind.Array,
            "object" => kind == JsonValueKind.Object,
            _ => true,
        };
        if (!ok)
            throw new ToolArgumentException($"Parameter '{name}' must be {(type is "integer" or "array" or "object" ? "an" : "a")} {type}");
        if (kind == JsonValueKind.String && property.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && allowed.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String)
            && !allowed.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == value!.GetValue<string>()))
        {
            throw new ToolArgumentException(
                $"Parameter '{name}' must be one of: {string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()))}");
        }
        return value;
    }
}
