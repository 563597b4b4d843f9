using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Sandboxes;

/// <summary>
/// A row of the sandbox registry: what the app server remembers about a sandbox between restarts. <see cref="Status"/> is
/// the last state the app server put it in (the live status comes from the provider); <see cref="Runtime"/> is the
/// provider's own JSON (for <c>process</c>: pid, start time, directories). The session key is plaintext here and
/// encrypted in the database.
/// </summary>
public sealed record SandboxRecord
{
    public required string Id { get; init; }
    public string? CreatedByUserId { get; init; }
    public required string SandboxSpecId { get; init; }
    public required string Provider { get; init; }
    public SandboxStatus Status { get; init; }
    public required string SessionApiKey { get; init; }
    public string? AgentUrl { get; init; }
    public string? Runtime { get; init; }
    /// <summary>Why the sandbox is in <c>ERROR</c> or <c>MISSING</c>, for logs and later diagnostics (never on the wire).</summary>
    public string? Detail { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
