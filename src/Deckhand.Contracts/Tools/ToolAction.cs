using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Tools;

/// <summary>The validated arguments of one tool call. <c>kind</c> is the OpenHands action class name.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(FinishAction), nameof(FinishAction))]
[JsonDerivedType(typeof(ThinkAction), nameof(ThinkAction))]
[JsonDerivedType(typeof(TerminalAction), nameof(TerminalAction))]
[JsonDerivedType(typeof(FileEditorAction), nameof(FileEditorAction))]
[JsonDerivedType(typeof(TaskTrackerAction), nameof(TaskTrackerAction))]
[JsonDerivedType(typeof(GlobAction), nameof(GlobAction))]
[JsonDerivedType(typeof(GrepAction), nameof(GrepAction))]
[JsonDerivedType(typeof(McpToolAction), "MCPToolAction")]
public abstract record ToolAction;

public sealed record FinishAction : ToolAction
{
    public required string Message { get; init; }
}

public sealed record ThinkAction : ToolAction
{
    public required string Thought { get; init; }
}
