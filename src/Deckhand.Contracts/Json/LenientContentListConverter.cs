using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Content;

namespace Deckhand.Contracts.Json;

/// <summary>Reads message content given as an array of parts, a bare string, or null.</summary>
public sealed class LenientContentListConverter : JsonConverter<IReadOnlyList<ContentItem>>
{
    public override bool HandleNull => true;

    public override IReadOnlyList<ContentItem> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return [];
            case JsonTokenType.String:
                return [new TextContent(reader.GetString()!)];
            default:
                var info = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<List<ContentItem>>)options.GetTypeInfo(typeof(List<ContentItem>));
                return JsonSerializer.Deserialize(ref reader, info) ?? [];
        }
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<ContentItem> value, JsonSerializerOptions options)
    {
        var info = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<IReadOnlyList<ContentItem>>)options.GetTypeInfo(typeof(IReadOnlyList<ContentItem>));
        JsonSerializer.Serialize(writer, value, info);
    }
}
