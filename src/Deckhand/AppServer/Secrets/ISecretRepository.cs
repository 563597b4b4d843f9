using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Secrets;

/// <summary>A user's custom secrets (name, encrypted value, description). <c>userId</c> null is the single local user.</summary>
public interface ISecretRepository
{
    Task<IReadOnlyList<CustomSecretInfo>> ListAsync(string? userId, CancellationToken cancellationToken = default);

    /// <summary>False when a secret with that name exists.</summary>
    Task<bool> CreateAsync(string? userId, string name, string value, string? description, CancellationToken cancellationToken = default);

    /// <summary>Renames and/or re-describes; the value is kept.</summary>
    Task<SecretUpdateResult> UpdateAsync(string? userId, string name, string newName, string? description, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string? userId, string name, CancellationToken cancellationToken = default);

    /// <summary>Every secret with its plaintext value: only for handing to a sandbox, never for a response.</summary>
    Task<IReadOnlyDictionary<string, string>> GetValuesAsync(string? userId, CancellationToken cancellationToken = default);
}

public enum SecretUpdateResult
{
    Updated,
    NotFound,
    NameTaken,
}
