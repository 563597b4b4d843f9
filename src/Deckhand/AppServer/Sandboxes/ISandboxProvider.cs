using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Sandboxes;

/// <summary>
/// One way of running sandboxes, each an agent-server with its own session key: <c>process</c> (a child
/// <c>deckhand agent-server</c>, the default); <c>docker</c> and <c>remote</c> (Kubernetes runtime API) fit the same
/// shape. The <see cref="SandboxService"/> owns the registry and the limits; a provider only runs and inspects.
/// </summary>
public interface ISandboxProvider
{
    /// <summary>The registry's <c>provider</c> value, e.g. <c>process</c>.</summary>
    string Kind { get; }

    /// <summary>The specs this provider starts sandboxes from; the first is the default.</summary>
    IReadOnlyList<SandboxSpecInfo> Specs { get; }

    /// <summary>
    /// Launches the sandbox and returns once its agent-server answers, with <see cref="SandboxRecord.AgentUrl"/> and
    /// <see cref="SandboxRecord.Runtime"/> filled in. <paramref name="persist"/> is called as soon as there is something
    /// to track (a pid, a container id), before waiting, so a crash mid-start leaves nothing untracked. On failure the
    /// provider cleans up what it started and throws <see cref="SandboxStartException"/>. Also restarts a sandbox that
    /// went missing, keeping its workspace.
    /// </summary>
    Task<SandboxRecord> StartAsync(SandboxRecord record, SandboxSpecInfo spec, Func<SandboxRecord, Task> persist,
        CancellationToken cancellationToken);

    /// <summary>The live status, from the process/container itself and a health check of its agent-server.</summary>
    Task<SandboxStatus> GetStatusAsync(SandboxRecord record, CancellationToken cancellationToken);

    Task PauseAsync(SandboxRecord record, CancellationToken cancellationToken);

    Task ResumeAsync(SandboxRecord record, CancellationToken cancellationToken);

    /// <summary>Stops the sandbox and removes what it kept (workspace, data). Safe on a sandbox that is already gone.</summary>
    Task DeleteAsync(SandboxRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// At app-server start: returns each record as it now stands (still alive and adopted, or <c>MISSING</c>), and stops
    /// any sandbox this provider finds running that no record accounts for.
    /// </summary>
    Task<IReadOnlyList<SandboxRecord>> RecoverAsync(IReadOnlyList<SandboxRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Once the app server listens (after <see cref="RecoverAsync"/>): points the webhooks of the sandboxes in
    /// <paramref name="records"/> at its current address, which a restart may have changed.
    /// </summary>
    Task RepointWebhooksAsync(IReadOnlyList<SandboxRecord> records, CancellationToken cancellationToken);

    /// <summary>The directory conversations in this sandbox work in, as its agent-server sees it.</summary>
    string WorkingDirectory(SandboxRecord record);
}

/// <summary>A sandbox could not be started; the message says why (never a secret).</summary>
public sealed class SandboxStartException(string message, Exception? inner = null) : Exception(message, inner);
