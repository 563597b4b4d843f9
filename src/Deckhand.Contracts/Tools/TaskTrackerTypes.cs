namespace Deckhand.Contracts.Tools;

public sealed record TaskTrackerAction : ToolAction
{
    /// <summary><c>view</c> or <c>plan</c>.</summary>
    public string Command { get; set; } = "view";
    public IReadOnlyList<TaskItem> TaskList { get; set; } = [];
}

public sealed record TaskTrackerObservation : ToolObservation
{
    public string Command { get; set; } = "view";
    public IReadOnlyList<TaskItem> TaskList { get; set; } = [];
}

public sealed record TaskItem
{
    public required string Title { get; init; }
    public string Notes { get; set; } = "";
    /// <summary><c>todo</c>, <c>in_progress</c> or <c>done</c>.</summary>
    public string Status { get; set; } = "todo";
}
