using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Conversations;

/// <summary>
/// <c>agent.mcp_config</c>, kept as the client sent it: either OpenHands' native map <c>{name: MCPServer}</c> or the
/// settings shape <c>{"mcpServers": {name: MCPServer}}</c>. Server <c>env</c> and <c>headers</c> values and
/// <c>auth</c> credentials are secrets: written as <c>"**********"</c> everywhere except storage, like
/// <see cref="SecretString"/>.
/// </summary>
[JsonConverter(typeof(RedactingMcpConfigConverter))]
public sealed class McpConfig(JsonElement value)
{
    public const string ServersKey = "mcpServers";

    /// <summary>The JSON as received, secrets included.</summary>
    public JsonElement Value { get; } = value;

    /// <summary>The servers by name, whichever shape was used; empty when the value is not an object.</summary>
    public IEnumerable<JsonProperty> Servers()
    {
        if (Value.ValueKind != JsonValueKind.Object)
            return [];
        return Value.TryGetProperty(ServersKey, out var nested) && nested.ValueKind == JsonValueKind.Object
            ? nested.EnumerateObject()
            : Value.EnumerateObject();
    }

    public static McpConfig Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new McpConfig(document.RootElement.Clone());
    }

    /// <summary>The same JSON with every secret value replaced by the redaction marker.</summary>
    internal void WriteRedacted(Utf8JsonWriter writer)
    {
        if (Value.ValueKind != JsonValueKind.Object)
        {
            Value.WriteTo(writer);
            return;
        }
        var nested = Value.TryGetProperty(ServersKey, out var inner) && inner.ValueKind == JsonValueKind.Object;
        writer.WriteStartObject();
        foreach (var property in Value.EnumerateObject())
        {
            writer.WritePropertyName(property.Name);
            if (!nested)
                WriteServer(writer, property.Value);
            else if (property.Name == ServersKey)
            {
                writer.WriteStartObject();
                foreach (var server in property.Value.EnumerateObject())
                {
                    writer.WritePropertyName(server.Name);
                    WriteServer(writer, server.Value);
                }
                writer.WriteEndObject();
            }
            else
                property.Value.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    private static void WriteServer(Utf8JsonWriter writer, JsonElement server)
    {
        if (server.ValueKind != JsonValueKind.Object)
        {
            server.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        foreach (var field in server.EnumerateObject())
        {
            writer.WritePropertyName(field.Name);
            switch (field.Name)
            {
                case "env" or "headers":
                    WriteRedactedMap(writer, field.Value);
                    break;
                case "auth" when field.Value.ValueKind == JsonValueKind.Object:
                    writer.WriteStartObject();
                    foreach (var part in field.Value.EnumerateObject())
                    {
                        writer.WritePropertyName(part.Name);
                        if (part.Name is "value" or "password" or "state" or "authentication" && part.Value.ValueKind != JsonValueKind.Null)
                            writer.WriteStringValue(SecretString.Redacted);
                        else if (part.Name == "headers")
                            WriteRedactedMap(writer, part.Value);
                        else
                            part.Value.WriteTo(writer);
                    }
                    writer.WriteEndObject();
                    break;
                case "auth" when field.Value.ValueKind == JsonValueKind.String:
                    writer.WriteStringValue(SecretString.Redacted);
                    break;
                default:
                    field.Value.WriteTo(writer);
                    break;
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteRedactedMap(Utf8JsonWriter writer, JsonElement map)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            map.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        foreach (var entry in map.EnumerateObject())
        {
            writer.WritePropertyName(entry.Name);
            if (entry.Value.ValueKind == JsonValueKind.Null)
                writer.WriteNullValue();
            else
                writer.WriteStringValue(SecretString.Redacted);
        }
        writer.WriteEndObject();
    }
}

/// <summary>The default: secrets inside the MCP config are never written.</summary>
public sealed class RedactingMcpConfigConverter : JsonConverter<McpConfig>
{
    public override McpConfig? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new McpConfig(document.RootElement.Clone());
    }

    public override void Write(Utf8JsonWriter writer, McpConfig value, JsonSerializerOptions options) => value.WriteRedacted(writer);
}

/// <summary>Used only by the storage serializer (and client requests), so that a reload can still start the servers.</summary>
public sealed class PlaintextMcpConfigConverter : JsonConverter<McpConfig>
{
    public override McpConfig? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new McpConfig(document.RootElement.Clone());
    }

    public override void Write(Utf8JsonWriter writer, McpConfig value, JsonSerializerOptions options) => value.Value.WriteTo(writer);
}
