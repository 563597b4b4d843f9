namespace Deckhand.AppServer.Sandboxes;

/// <summary>The persisted sandbox registry (all providers).</summary>
public interface ISandboxRepository
{
    Task InsertAsync(SandboxRecord record, CancellationToken cancellationToken = default);

    /// <summary>Saves status, agent URL, runtime and detail. False when the sandbox was deleted meanwhile.</summary>
    Task<bool> UpdateAsync(SandboxRecord record, CancellationToken cancellationToken = default);

    Task<SandboxRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Newest first; <paramref name="userId"/> null lists every sandbox (single user or admin).</summary>
    Task<IReadOnlyList<SandboxRecord>> ListAsync(string? userId, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every sandbox of one provider (for recovery at start).</summary>
    Task<IReadOnlyList<SandboxRecord>> ListByProviderAsync(string provider, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}
