using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Bash;

/// <summary><c>POST /api/bash/start_bash_command</c> and <c>/execute_bash_command</c>.</summary>
public sealed record ExecuteBashRequest
{
    public required string Command { get; init; }
    public string? Cwd { get; set; }
    /// <summary>Seconds before the command's process group is killed.</summary>
    public int Timeout { get; set; } = 300;
}

/// <summary>
/// Events of the server-side shell (<c>/api/bash</c>), discriminated on <c>kind</c>. Ids are 32-char hex UUIDs and
/// timestamps UTC-aware, as OpenHands writes them.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(BashCommand), nameof(BashCommand))]
[JsonDerivedType(typeof(BashOutput), nameof(BashOutput))]
[JsonDerivedType(typeof(BashError), nameof(BashError))]
public abstract record BashEvent
{
    public string Id { get; set; } = NewId();
    public DateTimeOffset Timestamp { get; set; } = DateTimeOffset.UtcNow;

    [JsonIgnore]
    public string Kind => GetType().Name;

    public static string NewId() => Guid.NewGuid().ToString("N");
}

public sealed record BashCommand : BashEvent
{
    public required string Command { get; init; }
    public string? Cwd { get; set; }
    public int Timeout { get; set; } = 300;
}

/// <summary>Output of a command; <c>exit_code</c> null means the command is still running.</summary>
public sealed record BashOutput : BashEvent
{
    public required string CommandId { get; init; }
    public int Order { get; set; }
    public int? ExitCode { get; set; }
    public string? Stdout { get; set; }
    public string? Stderr { get; set; }
}

/// <summary>Only sent on the bash WebSocket when an incoming frame fails.</summary>
public sealed record BashError : BashEvent
{
    public required string Code { get; init; }
    public required string Detail { get; init; }
}

public sealed record BashEventPage(IReadOnlyList<BashEvent> Items, string? NextPageId);

public sealed record BashClearResult(int ClearedCount);
