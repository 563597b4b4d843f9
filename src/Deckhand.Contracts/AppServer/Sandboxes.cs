using System.Text.Json.Serialization;

namespace Deckhand.Contracts.AppServer;

/// <summary>Where a sandbox is in its life (V1 app server <c>SandboxStatus</c>; names are the wire values).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SandboxStatus>))]
public enum SandboxStatus
{
    [JsonStringEnumMemberName("STARTING")] Starting,
    [JsonStringEnumMemberName("RUNNING")] Running,
    [JsonStringEnumMemberName("PAUSED")] Paused,
    [JsonStringEnumMemberName("ERROR")] Error,
    /// <summary>Possibly deleted: the sandbox's process (or container) is gone.</summary>
    [JsonStringEnumMemberName("MISSING")] Missing,
}

/// <summary>A URL a sandbox exposes; standard names are <c>AGENT_SERVER</c>, <c>VSCODE</c>, <c>WORKER_1</c>, <c>WORKER_2</c>.</summary>
public sealed record ExposedUrl(string Name, string Url, int Port);

/// <summary>One sandbox as <c>/api/v1/sandboxes</c> reports it. Every field is always written (nulls included).</summary>
public sealed record SandboxInfo
{
    public required string Id { get; init; }
    public string? CreatedByUserId { get; set; }
    public required string SandboxSpecId { get; init; }
    public SandboxStatus Status { get; set; }
    /// <summary>Only while the sandbox is <c>RUNNING</c>: the key its agent-server accepts.</summary>
    public string? SessionApiKey { get; set; }
    /// <summary>Only while the sandbox is <c>RUNNING</c>.</summary>
    public IReadOnlyList<ExposedUrl>? ExposedUrls { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed record SandboxPage(
    IReadOnlyList<SandboxInfo> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextPageId);

/// <summary>A template sandboxes are started from (an image for docker/remote, the agent-server command for process).</summary>
public sealed record SandboxSpecInfo
{
    public required string Id { get; init; }
    public IReadOnlyList<string>? Command { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public IReadOnlyDictionary<string, string> InitialEnv { get; set; } = new Dictionary<string, string>();
    public string WorkingDir { get; set; } = "";
}

public sealed record SandboxSpecInfoPage(
    IReadOnlyList<SandboxSpecInfo> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextPageId);
