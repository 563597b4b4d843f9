namespace Deckhand.Contracts.Server;

public sealed record StatusResponse(string Status, string? Message = null);

/// <summary><c>GET /server_info</c>. Deckhand-only fields are allowed here (OpenHands clients do not parse it strictly).</summary>
public sealed record ServerInfo
{
    public long Uptime { get; init; }
    public long IdleTime { get; init; }
    public string Title { get; init; } = "OpenHands Agent Server";
    public required string Version { get; init; }
    public required string SdkVersion { get; init; }
    public required string ToolsVersion { get; init; }
    public required string WorkspaceVersion { get; init; }
    public string BuildGitSha { get; init; } = "unknown";
    public string BuildGitRef { get; init; } = "unknown";
    public string PythonVersion { get; init; } = "n/a";
    public IReadOnlyList<string> UsableTools { get; init; } = [];
    public long? RuntimeIdleTimeoutSeconds { get; init; }
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public double? MaxForegroundTerminalTimeoutSeconds { get; init; }
    public string Docs { get; init; } = "/docs";
    public string Redoc { get; init; } = "/redoc";
    /// <summary>Deckhand: the product and how the event log is stored.</summary>
    public string Server { get; init; } = "deckhand";
    public string Storage { get; init; } = "sqlite";
    public string Isolation { get; init; } = "none";
}

/// <summary>4xx/5xx body: <c>{"detail": ...}</c>, as FastAPI writes it.</summary>
public sealed record ErrorDetail(string Detail);

/// <summary>422 body: a list of problems, each naming where in the request it is.</summary>
public sealed record ValidationErrorBody(IReadOnlyList<FieldProblem> Detail);

public sealed record FieldProblem(string Type, IReadOnlyList<string> Loc, string Msg);
