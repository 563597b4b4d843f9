namespace Deckhand.Contracts.Server;

public sealed record StatusResponse(string Status, string? Message = null);

/// <summary><c>GET /server_info</c>. Deckhand-only fields are allowed here (OpenHands clients do not parse it strictly).</summary>
public sealed record ServerInfo
{
    public long Uptime { get; set; }
    public long IdleTime { get; set; }
    public string Title { get; set; } = "OpenHands Agent Server";
    public required string Version { get; init; }
    public required string SdkVersion { get; init; }
    public required string ToolsVersion { get; init; }
    public required string WorkspaceVersion { get; init; }
    public string BuildGitSha { get; set; } = "unknown";
    public string BuildGitRef { get; set; } = "unknown";
    public string PythonVersion { get; set; } = "n/a";
    public IReadOnlyList<string> UsableTools { get; set; } = [];
    public long? RuntimeIdleTimeoutSeconds { get; set; }
    public IReadOnlyList<string> Capabilities { get; set; } = [];
    public double? MaxForegroundTerminalTimeoutSeconds { get; set; }
    public string Docs { get; set; } = "/docs";
    public string Redoc { get; set; } = "/redoc";
    /// <summary>Deckhand: the product and how the event log is stored.</summary>
    public string Server { get; set; } = "deckhand";
    public string Storage { get; set; } = "sqlite";
    public string Isolation { get; set; } = "none";
}

/// <summary>4xx/5xx body: <c>{"detail": ...}</c>, as FastAPI writes it.</summary>
public sealed record ErrorDetail(string Detail);

/// <summary>422 body: a list of problems, each naming where in the request it is.</summary>
public sealed record ValidationErrorBody(IReadOnlyList<FieldProblem> Detail);

public sealed record FieldProblem(string Type, IReadOnlyList<string> Loc, string Msg);
