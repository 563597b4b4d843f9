using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Deckhand.AppServer.Storage;

namespace Deckhand.AppServer.Events;

/// <summary>
/// The app server's own copy of every conversation's events (table <c>conversation_events</c>), filled by the
/// agent-servers' webhooks, so the catalogue and event search work while a sandbox is paused or gone. Kept in arrival
/// order (a gap-free <c>seq</c> per conversation) and idempotent on the event id: a batch the agent-server retries is
/// stored once. Appends to one conversation are serialized (in process, and across servers on PostgreSQL by an
/// advisory lock). <c>userId</c> arguments scope reads to that owner's conversations; null sees everything.
/// </summary>
public sealed class ConversationEventStore(AppDatabase database)
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _appendLocks = new();

    /// <summary>Stores the events not stored yet, in order; returns those (what callbacks should run for).</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> AppendAsync(Guid conversationId, IReadOnlyList<ReceivedEvent> events,
        CancellationToken cancellationToken = default) =>
        [.. (await AppendAsync(conversationId, events, null, cancellationToken)).Select(s => s.Event)];

    /// <summary>
    /// Stores the events not stored yet, in order, and returns them with their <c>seq</c>. <paramref name="committed"/>
    /// sees them right after the commit, still under the conversation's append lock, so successive calls see successive
    /// <c>seq</c>s in order; it must neither block nor throw (it is how the live feed publishes).
    /// </summary>
    public async Task<IReadOnlyList<StoredCopy>> AppendAsync(Guid conversationId, IReadOnlyList<ReceivedEvent> events,
        Action<IReadOnlyList<StoredCopy>>? committed, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
            return [];
        var gate = _appendLocks.GetOrAdd(conversationId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var id = Key(conversationId);
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (database.Dialect == SqlDialect.Postgres)
            {
                await using var lockCommand = connection.Command("SELECT pg_advisory_xact_lock(hashtext(@c));", transaction).With("@c", id);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }
            long seq;
            await using (var head = connection.Command("SELECT COALESCE(MAX(seq), 0) FROM conversation_events WHERE conversation_id = @c;", transaction).With("@c", id))
                seq = Convert.ToInt64(await head.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            var stored = new List<StoredCopy>(events.Count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in events)
            {
                if (!seen.Add(e.Id))
                    continue;
                await using var insert = connection.Command(
                    "INSERT INTO conversation_events (conversation_id, seq, event_id, kind, timestamp, json) VALUES (@c, @s, @id, @k, @t, @j) "
                    + "ON CONFLICT (conversation_id, event_id) DO NOTHING;", transaction)
                    .With("@c", id).With("@s", seq + 1).With("@id", e.Id).With("@k", e.Kind).With("@t", e.Timestamp).With("@j", e.Json);
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    seq++;
                    stored.Add(new StoredCopy(seq, e));
                }
            }
            await transaction.CommitAsync(cancellationToken);
            if (stored.Count > 0)
                committed?.Invoke(stored);
            return stored;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The conversation's events stored after <paramref name="afterSeq"/> (0: all), in arrival order, with their <c>seq</c>
    /// (gap-free from 1): what the V0 facade numbers its events by.
    /// </summary>
    public async Task<IReadOnlyList<(long Seq, string Json)>> ReadAfterAsync(Guid conversationId, long afterSeq,
        CancellationToken cancellationToken = default)
    {
        var rows = new List<(long, string)>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT seq, json FROM conversation_events WHERE conversation_id = @c AND seq > @after ORDER BY seq;")
            .With("@c", Key(conversationId)).With("@after", afterSeq);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rows.Add((Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1)));
        return rows;
    }

    /// <summary>The id of the conversation's last stored event (highest <c>seq</c>), or null when none is stored.</summary>
    public async Task<string?> LastEventIdAsync(Guid conversationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT event_id FROM conversation_events WHERE conversation_id = @c ORDER BY seq DESC LIMIT 1;").With("@c", Key(conversationId));
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>A page of event JSON; <c>More</c> when another page follows.</summary>
    public async Task<(IReadOnlyList<string> Items, bool More)> SearchAsync(EventFilter filter, bool descending, string? userId,
        int offset, int limit, CancellationToken cancellationToken = default)
    {
        var (where, bind) = Where(filter, userId);
        // One conversation: arrival order (the agent-server's log order). Across conversations: by timestamp.
        var order = filter.ConversationId is null ? "e.timestamp{0}, e.conversation_id{0}, e.seq{0}" : "e.seq{0}";
        var sql = $"SELECT e.json FROM conversation_events e {where} ORDER BY {string.Format(System.Globalization.CultureInfo.InvariantCulture, order, descending ? " DESC" : "")} LIMIT @limit OFFSET @offset;";
        var items = new List<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(sql);
        bind(command);
        command.With("@limit", limit + 1).With("@offset", offset);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            items.Add(reader.GetString(0));
        var more = items.Count > limit;
        return (more ? items.GetRange(0, limit) : items, more);
    }

    public async Task<long> CountAsync(EventFilter filter, string? userId, CancellationToken cancellationToken = default)
    {
        var (where, bind) = Where(filter, userId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT COUNT(*) FROM conversation_events e {where};");
        bind(command);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The JSON of each requested event id (null when unknown or not visible), in the order asked.</summary>
    public async Task<IReadOnlyList<string?>> GetManyAsync(IReadOnlyList<string> eventIds, Guid? conversationId, string? userId,
        CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var distinct = eventIds.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > 0)
        {
            var (where, bind) = Where(new EventFilter { ConversationId = conversationId }, userId);
            var names = distinct.Select((_, i) => "@e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var sql = $"SELECT e.event_id, e.json FROM conversation_events e {where} AND e.event_id IN ({string.Join(", ", names)}) ORDER BY e.seq;";
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = connection.Command(sql);
            bind(command);
            for (var i = 0; i < distinct.Count; i++)
                command.With(names[i], distinct[i]);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                found.TryAdd(reader.GetString(0), reader.GetString(1));
        }
        return [.. eventIds.Select(id => found.GetValueOrDefault(id))];
    }

    /// <summary>The dashed id the tables key conversations by.</summary>
    /// <summary>Forgets every event of the conversation (it was deleted); returns how many.</summary>
    public async Task<int> DeleteConversationAsync(Guid conversationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM conversation_events WHERE conversation_id = @c;").With("@c", Key(conversationId));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static string Key(Guid conversationId) => conversationId.ToString("D");

    private static (string Sql, Action<DbCommand> Bind) Where(EventFilter filter, string? userId)
    {
        var sql = new StringBuilder();
        if (userId is not null)
            sql.Append("JOIN conversation_metadata m ON m.conversation_id = e.conversation_id AND m.user_id = @user ");
        sql.Append("WHERE 1 = 1");
        if (filter.ConversationId is not null)
            sql.Append(" AND e.conversation_id = @c");
        if (filter.Kind is not null)
            sql.Append(" AND e.kind = @k");
        if (filter.TimestampGte is not null)
            sql.Append(" AND e.timestamp >= @gte");
        if (filter.TimestampLt is not null)
            sql.Append(" AND e.timestamp < @lt");
        return (sql.ToString(), command =>
        {
            if (userId is not null)
                command.With("@user", userId);
            if (filter.ConversationId is { } c)
                command.With("@c", Key(c));
            if (filter.Kind is { } k)
                command.With("@k", k);
            if (filter.TimestampGte is { } gte)
                command.With("@gte", gte);
            if (filter.TimestampLt is { } lt)
                command.With("@lt", lt);
        });
    }
}
