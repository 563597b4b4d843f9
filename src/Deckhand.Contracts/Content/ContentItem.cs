using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Content;

/// <summary>One part of a message: text or images. Discriminated by <c>type</c>, as OpenHands does.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextContent), "text")]
[JsonDerivedType(typeof(ImageContent), "image")]
public abstract record ContentItem
{
    public bool CachePrompt { get; set; }
}

public sealed record TextContent(string Text) : ContentItem
{
    public static TextContent Of(string text) => new(text);
}

public sealed record ImageContent(IReadOnlyList<string> ImageUrls) : ContentItem;
