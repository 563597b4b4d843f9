using System.Globalization;
using System.Text.Json;
using Deckhand.AppServer.Storage;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.AppConversations.Storage;

/// <summary>A message waiting for its conversation to be ready.</summary>
public sealed record PendingMessage(string Id, string Key, string Role, IReadOnlyList<ContentItem> Content, DateTimeOffset CreatedAt);

/// <summary>
/// <c>pending_messages</c>: messages sent before a conversation was ready, keyed by <c>task-&lt;task hex&gt;</c>, kept
/// until delivered. Order is <c>created_at</c>, which this server makes strictly increasing so that two messages
/// never tie.
/// </summary>
public sealed class PendingMessageRepository(AppDatabase database, TimeProvider time)
{
    private readonly Lock _clock = new();
    private DateTimeOffset _last;

    /// <summary>Queues a message; returns it and its 1-based place in the queue.</summary>
    public async Task<(PendingMessage Message, int Position)> AddAsync(string key, string role, IReadOnlyList<ContentItem> content,
        CancellationToken cancellationToken = default)
    {
        var message = new PendingMessage(Guid.NewGuid().ToString("N"), key, role, content, NextTime());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var insert = connection.Command(
            "INSERT INTO pending_messages (id, conversation_id, role, content, created_at) VALUES (@id, @key, @role, @content, @created);")
            .With("@id", message.Id).With("@key", key).With("@role", role)
            .With("@content", JsonSerializer.Serialize(content, DeckhandJson.Storage.IReadOnlyListContentItem))
            .With("@created", database.Dialect.Time(message.CreatedAt)))
            await insert.ExecuteNonQueryAsync(cancellationToken);
        await using var count = connection.Command("SELECT COUNT(*) FROM pending_messages WHERE conversation_id = @key AND created_at <= @created;")
            .With("@key", key).With("@created", database.Dialect.Time(message.CreatedAt));
        return (message, Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture));
    }

    public async Task<int> CountAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT COUNT(*) FROM pending_messages WHERE conversation_id = @key;").With("@key", key);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>The queue of one key, oldest first.</summary>
    public async Task<IReadOnlyList<PendingMessage>> ListAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT id, conversation_id, role, content, created_at FROM pending_messages WHERE conversation_id = @key ORDER BY created_at, id;")
            .With("@key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<PendingMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var content = JsonSerializer.Deserialize(reader.GetString(3), DeckhandJson.Storage.IReadOnlyListContentItem) ?? [];
            list.Add(new PendingMessage(reader.GetString(0), reader.GetString(1), reader.GetString(2), content, database.Dialect.ReadTime(reader, 4)));
        }
        return list;
    }

    /// <summary>Every key that has messages waiting.</summary>
    public async Task<IReadOnlyList<string>> KeysAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT DISTINCT conversation_id FROM pending_messages;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(reader.GetString(0));
        return keys;
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM pending_messages WHERE id = @id;").With("@id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteAllAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM pending_messages WHERE conversation_id = @key;").With("@key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Now, at microsecond precision, and always after the previous message of this server.</summary>
    private DateTimeOffset NextTime()
    {
        lock (_clock)
        {
            var now = SqlDialect.Truncate(time.GetUtcNow());
            _last = now > _last ? now : _last.AddTicks(10);
            return _last;
        }
    }
}
