using System.Text.Json.Serialization;
using Deckhand.Contracts.Content;

namespace Deckhand.Contracts.Tools;

/// <summary>What a tool returned. <c>content</c> is what the model reads; <c>kind</c> is the OpenHands class name.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(FinishObservation), nameof(FinishObservation))]
[JsonDerivedType(typeof(ThinkObservation), nameof(ThinkObservation))]
[JsonDerivedType(typeof(TerminalObservation), nameof(TerminalObservation))]
[JsonDerivedType(typeof(FileEditorObservation), nameof(FileEditorObservation))]
[JsonDerivedType(typeof(TaskTrackerObservation), nameof(TaskTrackerObservation))]
[JsonDerivedType(typeof(GlobObservation), nameof(GlobObservation))]
[JsonDerivedType(typeof(GrepObservation), nameof(GrepObservation))]
[JsonDerivedType(typeof(McpToolObservation), "MCPToolObservation")]
public abstract record ToolObservation
{
    public IReadOnlyList<ContentItem> Content { get; set; } = [];
    public bool IsError { get; set; }

    public string Text() => ContentText.Join(Content);
}

public sealed record FinishObservation : ToolObservation;

public sealed record ThinkObservation : ToolObservation;
