using System.Text.Json;
using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Storage;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.Settings;

/// <summary><see cref="ISettingsRepository"/> over the app database: one row per user, the JSON sealed by <see cref="SecretCipher"/>.</summary>
public sealed class SqlSettingsRepository(AppDatabase database, SecretCipher cipher, TimeProvider time) : ISettingsRepository
{
    public async Task<UserSettings?> GetAsync(string? userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT data FROM user_settings WHERE user_id = @u;").With("@u", userId ?? "");
        if (await command.ExecuteScalarAsync(cancellationToken) is not string sealedJson)
            return null;
        return JsonSerializer.Deserialize(cipher.Decrypt(sealedJson), DeckhandJson.Storage.UserSettings);
    }

    public async Task SaveAsync(string? userId, UserSettings settings, CancellationToken cancellationToken = default)
    {
        // The storage serializer keeps secret values (the wire one masks them).
        var json = JsonSerializer.Serialize(settings, DeckhandJson.Storage.UserSettings);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO user_settings (user_id, data, updated_at) VALUES (@u, @d, @t) "
            + "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at;")
            .With("@u", userId ?? "").With("@d", cipher.Encrypt(json)).With("@t", database.Dialect.Time(time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
