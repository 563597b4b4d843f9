using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Deckhand.Contracts.Content;

namespace Deckhand.Contracts.Json;

/// <summary>
/// For properties typed <see cref="TextContent"/> (not <see cref="ContentItem"/>): writes the part through the
/// polymorphic base so it carries <c>"type":"text"</c> like every OpenHands TextContent. Reads with or without the tag,
/// so events stored before the tag was written still load.
/// </summary>
public sealed class TaggedTextContentConverter : JsonConverter<TextContent>
{
    public override TextContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize(ref reader, (JsonTypeInfo<TextContent>)options.GetTypeInfo(typeof(TextContent)));

    public override void Write(Utf8JsonWriter writer, TextContent value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<ContentItem>)options.GetTypeInfo(typeof(ContentItem)));
}

/// <summary>The list form of <see cref="TaggedTextContentConverter"/>.</summary>
public sealed class TaggedTextContentListConverter : JsonConverter<IReadOnlyList<TextContent>>
{
    public override IReadOnlyList<TextContent>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize(ref reader, (JsonTypeInfo<IReadOnlyList<TextContent>>)options.GetTypeInfo(typeof(IReadOnlyList<TextContent>)));

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<TextContent> value, JsonSerializerOptions options)
    {
        var info = (JsonTypeInfo<ContentItem>)options.GetTypeInfo(typeof(ContentItem));
        writer.WriteStartArray();
        foreach (var item in value)
            JsonSerializer.Serialize(writer, item, info);
        writer.WriteEndArray();
    }
}
