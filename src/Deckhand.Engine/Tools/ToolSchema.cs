using System.Text.Json;
using System.Text.Json.Nodes;

namespace Deckhand.Engine.Tools;

/// <summary>Builds the parameter schema the model sees: <c>summary</c> (and <c>security_risk</c> for tools that change things) first.</summary>
public static class ToolSchema
{
    private const string SecurityRiskDescription =
        "Your estimate of how risky this call is: LOW for reading or harmless local changes, MEDIUM for changes that are "
        + "hard to undo or reach the network, HIGH for destructive or security-sensitive operations.";

    private const string SummaryDescription =
        "A short summary (about 10 words) of what this call does and to what, e.g. 'List the Python files in src'.";

    public static JsonElement ForModel(ITool tool)
    {
        var source = JsonNode.Parse(tool.Parameters.GetRawText())!.AsObject();
        var properties = new JsonObject();
        if (tool.Definition.Annotations is not { ReadOnlyHint: true })
        {
            properties["security_risk"] = new JsonObject
            {
                ["type"] = "string",
                ["description"] = SecurityRiskDescription,
                ["enum"] = new JsonArray("UNKNOWN", "LOW", "MEDIUM", "HIGH"),
            };
        }
        properties["summary"] = new JsonObject { ["type"] = "string", ["description"] = SummaryDescription };
        if (source["properties"] is JsonObject own)
        {
            foreach (var (name, value) in own)
                properties[name] = value?.DeepClone();
        }
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (source["required"] is JsonArray required)
            schema["required"] = required.DeepClone();
        return Parse(schema.ToJsonString());
    }

    public static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
