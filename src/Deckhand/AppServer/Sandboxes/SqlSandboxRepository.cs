using System.Data.Common;
using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Storage;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Sandboxes;

/// <summary><see cref="ISandboxRepository"/> over the app database (either dialect); session keys sealed by <see cref="SecretCipher"/>.</summary>
public sealed class SqlSandboxRepository(AppDatabase database, SecretCipher cipher) : ISandboxRepository
{
    private const string Columns =
        "id, created_by_user_id, sandbox_spec_id, provider, status, session_api_key, agent_url, runtime, detail, created_at, updated_at";

    public async Task InsertAsync(SandboxRecord record, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"INSERT INTO sandboxes ({Columns}) VALUES (@id, @user, @spec, @provider, @status, @key, @url, @runtime, @detail, @created, @updated);")
            .With("@id", record.Id).With("@user", record.CreatedByUserId).With("@spec", record.SandboxSpecId)
            .With("@provider", record.Provider).With("@status", StatusName(record.Status)).With("@key", cipher.Encrypt(record.SessionApiKey))
            .With("@url", record.AgentUrl).With("@runtime", record.Runtime).With("@detail", record.Detail)
            .With("@created", database.Dialect.Time(record.CreatedAt)).With("@updated", database.Dialect.Time(record.UpdatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> UpdateAsync(SandboxRecord record, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE sandboxes SET status = @status, agent_url = @url, runtime = @runtime, detail = @detail, updated_at = @updated WHERE id = @id;")
            .With("@status", StatusName(record.Status)).With("@url", record.AgentUrl).With("@runtime", record.Runtime)
            .With("@detail", record.Detail).With("@updated", database.Dialect.Time(record.UpdatedAt)).With("@id", record.Id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<SandboxRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM sandboxes WHERE id = @id;", c => c.With("@id", id), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<SandboxRecord>> ListAsync(string? userId, int offset, int limit, CancellationToken cancellationToken = default) =>
        // No "@user IS NULL OR ..." trick: PostgreSQL cannot type an untyped null parameter.
        QueryAsync(
            $"SELECT {Columns} FROM sandboxes {(userId is null ? "" : "WHERE created_by_user_id = @user ")}ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset;",
            c =>
            {
                if (userId is not null)
                    c.With("@user", userId);
                c.With("@limit", limit).With("@offset", offset);
            }, cancellationToken);

    public Task<IReadOnlyList<SandboxRecord>> ListByProviderAsync(string provider, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM sandboxes WHERE provider = @provider ORDER BY created_at;",
            c => c.With("@provider", provider), cancellationToken);

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM sandboxes WHERE id = @id;").With("@id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<IReadOnlyList<SandboxRecord>> QueryAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(sql);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SandboxRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SandboxRecord
            {
                Id = reader.GetString(0),
                CreatedByUserId = reader.NullableString(1),
                SandboxSpecId = reader.GetString(2),
                Provider = reader.GetString(3),
                Status = ParseStatus(reader.GetString(4)),
                SessionApiKey = cipher.Decrypt(reader.GetString(5)),
                AgentUrl = reader.NullableString(6),
                Runtime = reader.NullableString(7),
                Detail = reader.NullableString(8),
                CreatedAt = database.Dialect.ReadTime(reader, 9),
                UpdatedAt = database.Dialect.ReadTime(reader, 10),
            });
        }
        return rows;
    }

    private static string StatusName(SandboxStatus status) => status.ToString().ToUpperInvariant();

    private static SandboxStatus ParseStatus(string value) =>
        Enum.TryParse<SandboxStatus>(value, ignoreCase: true, out var status) ? status : SandboxStatus.Error;
}
