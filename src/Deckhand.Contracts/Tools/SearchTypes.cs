namespace Deckhand.Contracts.Tools;

public sealed record GlobAction : ToolAction
{
    public required string Pattern { get; init; }
    /// <summary>Absolute directory to search; the working directory when null.</summary>
    public string? Path { get; set; }
}

public sealed record GlobObservation : ToolObservation
{
    /// <summary>Matching files, newest first.</summary>
    public IReadOnlyList<string> Files { get; set; } = [];
    public string Pattern { get; set; } = "";
    public string SearchPath { get; set; } = "";
    public bool Truncated { get; set; }
}

public sealed record GrepAction : ToolAction
{
    public required string Pattern { get; init; }
    public string? Path { get; set; }
    /// <summary>File glob filter such as <c>*.{ts,tsx}</c>.</summary>
    public string? Include { get; set; }
}

public sealed record GrepObservation : ToolObservation
{
    /// <summary>Files containing a match, newest first.</summary>
    public IReadOnlyList<string> Matches { get; set; } = [];
    public string Pattern { get; set; } = "";
    public string SearchPath { get; set; } = "";
    public string? IncludePattern { get; set; }
    public bool Truncated { get; set; }
}
