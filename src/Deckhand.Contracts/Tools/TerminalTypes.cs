namespace Deckhand.Contracts.Tools;

/// <summary>Run a command in the conversation's persistent shell, or send input/keys to what is running.</summary>
public sealed record TerminalAction : ToolAction
{
    public required string Command { get; init; }
    public bool IsInput { get; set; }
    /// <summary>Hard limit in seconds; without it a no-output (soft) timeout applies.</summary>
    public double? Timeout { get; set; }
    public bool Reset { get; set; }
}

public sealed record TerminalObservation : ToolObservation
{
    public string? Command { get; set; }
    /// <summary>-1 while the command is still running (soft or hard timeout).</summary>
    public int? ExitCode { get; set; }
    public bool Timeout { get; set; }
    public TerminalMetadata Metadata { get; set; } = new();
    /// <summary>Folder holding the full output when what the model sees was truncated.</summary>
    public string? FullOutputSaveDir { get; set; }
}

public sealed record TerminalMetadata
{
    public int ExitCode { get; set; } = -1;
    public int Pid { get; set; } = -1;
    public string? Username { get; set; }
    public string? Hostname { get; set; }
    public string? WorkingDir { get; set; }
    public string? PyInterpreterPath { get; set; }
    public string Prefix { get; set; } = "";
    public string Suffix { get; set; } = "";
}
