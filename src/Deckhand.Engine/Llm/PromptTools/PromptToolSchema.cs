using System.Text.Json;

namespace Deckhand.Engine.Llm.PromptTools;

/// <summary>The little of JSON Schema that prompt-based tool calling reads: property types, enums, required names.</summary>
internal static class PromptToolSchema
{
    public static HashSet<string> Required(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array
            ? [.. required.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)]
            : [];

    /// <summary>The schema of one property, or null when the schema does not declare it.</summary>
    public static JsonElement? Property(JsonElement schema, string name) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties)
        && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var property)
            ? property
            : null;

    /// <summary>
    /// The JSON type a value must have: the declared <c>type</c> (the first that is not "null" when it is a list), or
    /// "string" when the schema does not say.
    /// </summary>
    public static string TypeOf(JsonElement? property)
    {
        if (property is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty("type", out var type))
            return "string";
        if (type.ValueKind == JsonValueKind.String)
            return type.GetString()!;
        if (type.ValueKind == JsonValueKind.Array)
        {
            return type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!)
                .FirstOrDefault(t => t != "null") ?? "string";
        }
        return "string";
    }

    /// <summary>How the prompt names a property's type, e.g. "string", "integer", "array of string".</summary>
    public static string TypeLabel(JsonElement property)
    {
        var type = TypeOf(property);
        if (type == "array" && property.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
            return "array of " + TypeOf(items) + ", as JSON";
        return type == "object" ? "object, as JSON" : type;
    }

    public static JsonElement StringElement(string value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            writer.WriteStringValue(value);
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }
}
