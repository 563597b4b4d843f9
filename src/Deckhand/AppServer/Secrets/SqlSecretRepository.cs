using Deckhand.AppServer.Storage;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Secrets;

/// <summary><see cref="ISecretRepository"/> over the app database (either dialect); values sealed by <see cref="SecretCipher"/>.</summary>
public sealed class SqlSecretRepository(AppDatabase database, SecretCipher cipher, TimeProvider time) : ISecretRepository
{
    public async Task<IReadOnlyList<CustomSecretInfo>> ListAsync(string? userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT name, description FROM user_secrets WHERE user_id = @u ORDER BY name;")
            .With("@u", userId ?? "");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<CustomSecretInfo>();
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new CustomSecretInfo(reader.GetString(0), reader.NullableString(1)));
        return list;
    }

    public async Task<bool> CreateAsync(string? userId, string name, string value, string? description, CancellationToken cancellationToken = default)
    {
        var now = database.Dialect.Time(time.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO user_secrets (user_id, name, value, description, created_at, updated_at) VALUES (@u, @n, @v, @d, @t, @t) "
            + "ON CONFLICT (user_id, name) DO NOTHING;")
            .With("@u", userId ?? "").With("@n", name).With("@v", cipher.Encrypt(value)).With("@d", description).With("@t", now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<SecretUpdateResult> UpdateAsync(string? userId, string name, string newName, string? description,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (newName != name)
        {
            await using var taken = connection.Command("SELECT COUNT(*) FROM user_secrets WHERE user_id = @u AND name = @n;", transaction)
                .With("@u", userId ?? "").With("@n", newName);
            if (Convert.ToInt64(await taken.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0)
                return SecretUpdateResult.NameTaken;
        }
        await using var update = connection.Command(
            "UPDATE user_secrets SET name = @new, description = @d, updated_at = @t WHERE user_id = @u AND name = @n;", transaction)
            .With("@new", newName).With("@d", description).With("@t", database.Dialect.Time(time.GetUtcNow()))
            .With("@u", userId ?? "").With("@n", name);
        if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            return SecretUpdateResult.NotFound;
        await transaction.CommitAsync(cancellationToken);
        return SecretUpdateResult.Updated;
    }

    public async Task<bool> DeleteAsync(string? userId, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM user_secrets WHERE user_id = @u AND name = @n;")
            .With("@u", userId ?? "").With("@n", name);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyDictionary<string, string>> GetValuesAsync(string? userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT name, value FROM user_secrets WHERE user_id = @u ORDER BY name;")
            .With("@u", userId ?? "");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            values[reader.GetString(0)] = cipher.Decrypt(reader.GetString(1));
        return values;
    }
}
