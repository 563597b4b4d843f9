namespace Deckhand.Contracts.Tools;

/// <summary><c>view</c>, <c>create</c>, <c>str_replace</c>, <c>insert</c> or <c>undo_edit</c> on an absolute path.</summary>
public sealed record FileEditorAction : ToolAction
{
    public required string Command { get; init; }
    public required string Path { get; init; }
    public string? FileText { get; set; }
    public string? OldStr { get; set; }
    public string? NewStr { get; set; }
    public int? InsertLine { get; set; }
    public IReadOnlyList<int>? ViewRange { get; set; }
}

public sealed record FileEditorObservation : ToolObservation
{
    public string Command { get; set; } = "";
    public string? Path { get; set; }
    public bool PrevExist { get; set; } = true;
    public string? OldContent { get; set; }
    public string? NewContent { get; set; }
}
