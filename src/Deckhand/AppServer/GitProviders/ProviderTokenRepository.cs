using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Storage;

namespace Deckhand.AppServer.GitProviders;

/// <summary>A git provider token as stored for a user. <see cref="Token"/> is plaintext: never for a response or a log.</summary>
public sealed record StoredProviderToken(string Provider, string Token, string? Host, string? ProviderUserId)
{
    public override string ToString() => $"StoredProviderToken {{ Provider = {Provider}, Host = {Host} }}";
}

/// <summary>
/// The user's git provider tokens (<c>provider_tokens</c>, sealed by <see cref="SecretCipher"/>): what
/// <c>POST /api/add-git-providers</c> saves, the <c>/api/user</c> routes use, and a start flow clones with.
/// </summary>
public sealed class ProviderTokenRepository(AppDatabase database, SecretCipher cipher, TimeProvider time)
{
    /// <summary>Every stored token that can be decrypted and is not empty, by provider name.</summary>
    public async Task<IReadOnlyList<StoredProviderToken>> ListAsync(string? userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT provider, token, host, provider_user_id FROM provider_tokens WHERE user_id = @u ORDER BY provider;").With("@u", userId ?? "");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredProviderToken>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string token;
            try
            {
                token = cipher.Decrypt(reader.GetString(1));
            }
            catch (InvalidOperationException)
            {
                continue; // sealed with another key: as good as absent
            }
            if (token.Length > 0)
                list.Add(new StoredProviderToken(reader.GetString(0), token, reader.NullableString(2), reader.NullableString(3)));
        }
        return list;
    }

    /// <summary>Replaces the user's whole provider map with <paramref name="tokens"/>.</summary>
    public async Task ReplaceAllAsync(string? userId, IReadOnlyList<StoredProviderToken> tokens, CancellationToken cancellationToken = default)
    {
        var now = database.Dialect.Time(time.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var delete = connection.Command("DELETE FROM provider_tokens WHERE user_id = @u;", transaction).With("@u", userId ?? ""))
            await delete.ExecuteNonQueryAsync(cancellationToken);
        foreach (var token in tokens)
        {
            await using var insert = connection.Command(
                "INSERT INTO provider_tokens (user_id, provider, token, host, provider_user_id, updated_at) VALUES (@u, @p, @t, @h, @i, @at);", transaction)
                .With("@u", userId ?? "").With("@p", token.Provider).With("@t", cipher.Encrypt(token.Token)).With("@h", token.Host)
                .With("@i", token.ProviderUserId).With("@at", now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task DeleteAllAsync(string? userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM provider_tokens WHERE user_id = @u;").With("@u", userId ?? "");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
