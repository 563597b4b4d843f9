using System.Text.Json.Serialization;
using Deckhand.Contracts.Content;

namespace Deckhand.Contracts.Tools;

/// <summary>What a tool returned. <c>content</c> is what the model reads; <c>kind</c> is the OpenHands class name.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(FinishObservation), nameof(FinishObservation))]
[JsonDerivedType(typeof(ThinkObservation), nameof(ThinkObservation))]
public abstract record ToolObservation
{
    public IReadOnlyList<ContentItem> Content { get; set; } = [];
    public bool IsError { get; set; }

    public string Text() => ContentText.Join(Content);
}

public sealed record FinishObservation : ToolObservation;

public sealed record ThinkObservation : ToolObservation;
