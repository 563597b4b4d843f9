using System.Data.Common;
using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Storage;

namespace Deckhand.AppServer.EventCallbacks;

/// <summary>
/// Tables <c>event_callback</c> and <c>event_callback_result</c> on either database. Ids are stored dashed; processor
/// secrets sealed by <see cref="SecretCipher"/>. A stored processor of a kind this build does not run is skipped.
/// </summary>
public sealed class SqlEventCallbackRepository(AppDatabase database, SecretCipher cipher)
{
    private const string Columns = "id, conversation_id, processor, event_kind, status, created_at, updated_at";

    public async Task InsertAsync(EventCallback callback, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"INSERT INTO event_callback ({Columns}) VALUES (@id, @conversation, @processor, @kind, @status, @created, @updated);")
            .With("@id", callback.Id.ToString("D")).With("@conversation", callback.ConversationId?.ToString("D"))
            .With("@processor", callback.Processor.ToStored(cipher)).With("@kind", callback.EventKind).With("@status", callback.Status)
            .With("@created", database.Dialect.Time(callback.CreatedAt)).With("@updated", database.Dialect.Time(callback.UpdatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Active callbacks for an event: of this conversation or of all, for this kind or for all.</summary>
    public Task<IReadOnlyList<EventCallback>> ListActiveAsync(Guid conversationId, string eventKind, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM event_callback WHERE status = @status AND (conversation_id = @conversation OR conversation_id IS NULL) "
            + "AND (event_kind = @kind OR event_kind IS NULL) ORDER BY created_at, id;",
            c => c.With("@status", EventCallbackStatus.Active).With("@conversation", conversationId.ToString("D")).With("@kind", eventKind),
            cancellationToken);

    /// <summary>Every callback registered for exactly this conversation.</summary>
    public Task<IReadOnlyList<EventCallback>> ListForConversationAsync(Guid conversationId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM event_callback WHERE conversation_id = @conversation ORDER BY created_at, id;",
            c => c.With("@conversation", conversationId.ToString("D")), cancellationToken);

    public async Task SetStatusAsync(Guid id, string status, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("UPDATE event_callback SET status = @status, updated_at = @now WHERE id = @id;")
            .With("@status", status).With("@now", database.Dialect.Time(DateTimeOffset.UtcNow)).With("@id", id.ToString("D"));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task InsertResultAsync(EventCallbackResult result, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            INSERT INTO event_callback_result (id, status, event_callback_id, event_id, conversation_id, detail, created_at)
            VALUES (@id, @status, @callback, @event, @conversation, @detail, @created);
            """)
            .With("@id", result.Id.ToString("D")).With("@status", result.Status).With("@callback", result.EventCallbackId.ToString("D"))
            .With("@event", result.EventId).With("@conversation", result.ConversationId.ToString("D")).With("@detail", result.Detail)
            .With("@created", database.Dialect.Time(result.CreatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A conversation's callback results, oldest first.</summary>
    public async Task<IReadOnlyList<EventCallbackResult>> ListResultsAsync(Guid conversationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT id, status, event_callback_id, event_id, conversation_id, detail, created_at FROM event_callback_result "
            + "WHERE conversation_id = @conversation ORDER BY created_at, id;").With("@conversation", conversationId.ToString("D"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var results = new List<EventCallbackResult>();
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add(new EventCallbackResult
            {
                Id = Guid.Parse(reader.GetString(0)),
                Status = reader.NullableString(1) ?? EventCallbackResultStatus.Error,
                EventCallbackId = Guid.Parse(reader.GetString(2)),
                EventId = reader.GetString(3),
                ConversationId = Guid.Parse(reader.GetString(4)),
                Detail = reader.NullableString(5),
                CreatedAt = database.Dialect.ReadTime(reader, 6),
            });
        }
        return results;
    }

    private async Task<IReadOnlyList<EventCallback>> QueryAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(sql);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var callbacks = new List<EventCallback>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (EventCallbackProcessor.FromStored(reader.GetString(2), cipher) is not { } processor)
                continue;
            callbacks.Add(new EventCallback
            {
                Id = Guid.Parse(reader.GetString(0)),
                ConversationId = reader.NullableString(1) is { } c ? Guid.Parse(c) : null,
                Processor = processor,
                EventKind = reader.NullableString(3),
                Status = reader.GetString(4),
                CreatedAt = database.Dialect.ReadTime(reader, 5),
                UpdatedAt = database.Dialect.ReadTime(reader, 6),
            });
        }
        return callbacks;
    }
}
