using System.Globalization;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Events;
using Microsoft.Data.Sqlite;

namespace Deckhand.Engine.Storage;

/// <summary>
/// The SQLite event log (WAL). One write connection, used under a lock, with prepared statements on the append path;
/// reads open pooled connections so they never wait behind a write. With WAL and <c>synchronous=NORMAL</c> a committed
/// transaction survives a killed process (it is in the OS page cache); only a power loss can take the last commits.
/// </summary>
public sealed partial class SqliteConversationStore : IConversationStore
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Lock _writeLock = new();
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _updateSnapshot;
    private readonly SqliteCommand _readHead;

    public SqliteConversationStore(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = Open();
        Pragma(_writer, "PRAGMA journal_mode=WAL;");
        SqliteSchema.Migrate(_writer);
        RestrictPermissions(databasePath);

        _insertEvent = _writer.CreateCommand();
        _insertEvent.CommandText =
            "INSERT INTO events (conversation_id, seq, id, kind, source, timestamp, search_text, json) VALUES ($c, $seq, $id, $kind, $source, $ts, $text, CAST($json AS TEXT));";
        foreach (var name in new[] { "$c", "$seq", "$id", "$kind", "$source", "$ts", "$text" })
            _insertEvent.Parameters.Add(new SqliteParameter(name, null));
        // UTF-8 bytes, stored as TEXT by the CAST in the statement so the log stays readable with any SQLite tool.
        _insertEvent.Parameters.Add(new SqliteParameter("$json", null));
        _insertEvent.Prepare();

        _updateSnapshot = _writer.CreateCommand();
        _updateSnapshot.CommandText =
            "UPDATE conversations SET snapshot = $snap, execution_status = $status, updated_at = $updated, head_seq = MAX(head_seq, $head) WHERE id = $c;";
        foreach (var name in new[] { "$snap", "$status", "$updated", "$head", "$c" })
            _updateSnapshot.Parameters.Add(new SqliteParameter(name, null));
        _updateSnapshot.Prepare();

        _readHead = _writer.CreateCommand();
        _readHead.CommandText = "SELECT head_seq FROM conversations WHERE id = $c;";
        _readHead.Parameters.Add(new SqliteParameter("$c", null));
        _readHead.Prepare();
    }

    public string Kind => "sqlite";

    public bool Create(ConversationSnapshot snapshot)
    {
        lock (_writeLock)
        {
            using var command = _writer.CreateCommand();
            return InsertConversation(snapshot, 0, null);
        }
    }

    public bool CreateFork(Guid sourceId, long upToSeq, ConversationSnapshot fork, IReadOnlyList<StoredEvent> extra)
    {
        lock (_writeLock)
        {
            using var tx = _writer.BeginTransaction();
            if (!InsertConversation(fork, upToSeq + extra.Count, tx))
                return false;
            using (var copy = _writer.CreateCommand())
            {
                copy.Transaction = tx;
                copy.CommandText =
                    "INSERT INTO events (conversation_id, seq, id, kind, source, timestamp, search_text, json) "
                    + "SELECT $fork, seq, id, kind, source, timestamp, search_text, json FROM events WHERE conversation_id = $src AND seq <= $upto ORDER BY seq;";
                copy.Parameters.AddWithValue("$fork", Key(fork.State.Id));
                copy.Parameters.AddWithValue("$src", Key(sourceId));
                copy.Parameters.AddWithValue("$upto", upToSeq);
                if (copy.ExecuteNonQuery() != upToSeq)
                    throw new InvalidOperationException("The source conversation's log does not reach the fork point.");
            }
            _insertEvent.Transaction = tx;
            var expected = upToSeq + 1;
            foreach (var stored in extra)
            {
                if (stored.Seq != expected++)
                    throw new InvalidOperationException("Events must be appended with consecutive sequence numbers.");
                InsertEvent(Key(fork.State.Id), stored);
            }
            tx.Commit();
            return true;
        }
    }

    public IReadOnlyList<Guid> ListChildren(Guid parentId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM conversations WHERE parent_id = $p ORDER BY created_at, id;";
        command.Parameters.AddWithValue("$p", Key(parentId));
        var ids = new List<Guid>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            ids.Add(Guid.Parse(reader.GetString(0)));
        return ids;
    }

    private bool InsertConversation(ConversationSnapshot snapshot, long headSeq, SqliteTransaction? tx)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText =
            "INSERT OR IGNORE INTO conversations (id, created_at, updated_at, execution_status, head_seq, snapshot, parent_id) "
            + "VALUES ($c, $created, $updated, $status, $head, $snap, $parent);";
        command.Parameters.AddWithValue("$c", Key(snapshot.State.Id));
        command.Parameters.AddWithValue("$created", SortableTime(snapshot.Meta.CreatedAt));
        command.Parameters.AddWithValue("$updated", SortableTime(snapshot.Meta.UpdatedAt));
        command.Parameters.AddWithValue("$status", snapshot.State.ExecutionStatus.Wire());
        command.Parameters.AddWithValue("$head", headSeq);
        command.Parameters.AddWithValue("$snap", SerializeSnapshot(snapshot));
        command.Parameters.AddWithValue("$parent", snapshot.Meta.ParentConversationId is { } parent ? Key(parent) : DBNull.Value);
        return command.ExecuteNonQuery() == 1;
    }

    public void Append(Guid conversationId, long firstSeq, IReadOnlyList<StoredEvent> events, ConversationSnapshot? snapshot)
    {
        var key = Key(conversationId);
        lock (_writeLock)
        {
            using var tx = _writer.BeginTransaction();
            _insertEvent.Transaction = tx;
            _updateSnapshot.Transaction = tx;
            _readHead.Transaction = tx;
            _readHead.Parameters[0].Value = key;
            // The batch must start right after the stored head, or the log would get a gap (or reuse a seq).
            if (_readHead.ExecuteScalar() is not long head)
                throw new InvalidOperationException("Conversation not found in the store.");
            if (firstSeq != head + 1)
                throw new InvalidOperationException($"Events must continue the log: expected seq {head + 1}, got {firstSeq}.");
            var expected = firstSeq;
            foreach (var stored in events)
            {
                if (stored.Seq != expected++)
                    throw new InvalidOperationException("Events must be appended with consecutive sequence numbers.");
                InsertEvent(key, stored);
            }
            if (snapshot is not null)
                WriteSnapshot(key, snapshot, expected - 1);
            else if (events.Count > 0)
                TouchHead(key, expected - 1, tx);
            tx.Commit();
        }
    }

    public void SaveSnapshot(Guid conversationId, ConversationSnapshot snapshot)
    {
        lock (_writeLock)
        {
            _updateSnapshot.Transaction = null;
            WriteSnapshot(Key(conversationId), snapshot, 0);
        }
    }

    public (ConversationSnapshot Snapshot, long HeadSeq)? Load(Guid conversationId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT snapshot, head_seq FROM conversations WHERE id = $c;";
        command.Parameters.AddWithValue("$c", Key(conversationId));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
            return null;
        return (DeserializeSnapshot(reader.GetString(0)), reader.GetInt64(1));
    }

    public bool Delete(Guid conversationId)
    {
        lock (_writeLock)
        {
            using var tx = _writer.BeginTransaction();
            using var command = _writer.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "DELETE FROM events WHERE conversation_id = $c; DELETE FROM conversations WHERE id = $c;";
            command.Parameters.AddWithValue("$c", Key(conversationId));
            command.ExecuteNonQuery();
            using var changes = _writer.CreateCommand();
            changes.Transaction = tx;
            changes.CommandText = "SELECT changes();";
            var deleted = Convert.ToInt64(changes.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
            tx.Commit();
            return deleted;
        }
    }

    public IReadOnlyList<StoredEvent> ReadEvents(Guid conversationId, long afterSeq, int limit, long upToSeq = long.MaxValue)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT seq, json FROM events WHERE conversation_id = $c AND seq > $after AND seq <= $upto ORDER BY seq LIMIT $limit;";
        command.Parameters.AddWithValue("$c", Key(conversationId));
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$upto", upToSeq);
        command.Parameters.AddWithValue("$limit", limit);
        return ReadStored(command);
    }

    public IReadOnlyList<RawEvent> ReadRawEvents(Guid conversationId, long afterSeq, int limit)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, json FROM events WHERE conversation_id = $c AND seq > $after ORDER BY seq LIMIT $limit;";
        command.Parameters.AddWithValue("$c", Key(conversationId));
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<RawEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            list.Add(new RawEvent(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
        return list;
    }

    public StoredEvent? GetEvent(Guid conversationId, string eventId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, json FROM events WHERE conversation_id = $c AND id = $id;";
        command.Parameters.AddWithValue("$c", Key(conversationId));
        command.Parameters.AddWithValue("$id", eventId);
        return ReadStored(command).FirstOrDefault();
    }

    public long CountConversations(ExecutionStatus? status)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = status is null
            ? "SELECT COUNT(*) FROM conversations;"
            : "SELECT COUNT(*) FROM conversations WHERE execution_status = $s;";
        if (status is not null)
            command.Parameters.AddWithValue("$s", status.Value.Wire());
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<Guid> ListByStatus(ExecutionStatus status)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM conversations WHERE execution_status = $s;";
        command.Parameters.AddWithValue("$s", status.Wire());
        var ids = new List<Guid>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            ids.Add(Guid.Parse(reader.GetString(0)));
        return ids;
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            _insertEvent.Dispose();
            _updateSnapshot.Dispose();
            _readHead.Dispose();
            _writer.Dispose();
        }
        SqliteConnection.ClearAllPools();
    }

    private void InsertEvent(string key, StoredEvent stored)
    {
        var e = stored.Event;
        var p = _insertEvent.Parameters;
        p[0].Value = key;
        p[1].Value = stored.Seq;
        p[2].Value = e.Id;
        p[3].Value = e.Kind;
        p[4].Value = SourceName(e.Source);
        p[5].Value = e.Timestamp;
        p[6].Value = (object?)SearchText(e) ?? DBNull.Value;
        p[7].Value = stored.Utf8Json ?? JsonSerializer.SerializeToUtf8Bytes(e, DeckhandJson.Compact.Event);
        _insertEvent.ExecuteNonQuery();
    }

    private void WriteSnapshot(string key, ConversationSnapshot snapshot, long headSeq)
    {
        var p = _updateSnapshot.Parameters;
        p[0].Value = SerializeSnapshot(snapshot);
        p[1].Value = snapshot.State.ExecutionStatus.Wire();
        p[2].Value = SortableTime(snapshot.Meta.UpdatedAt);
        p[3].Value = headSeq;
        p[4].Value = key;
        if (_updateSnapshot.ExecuteNonQuery() != 1)
            throw new InvalidOperationException("Conversation not found in the store.");
    }

    private void TouchHead(string key, long headSeq, SqliteTransaction tx)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "UPDATE conversations SET head_seq = $h WHERE id = $c;";
        command.Parameters.AddWithValue("$h", headSeq);
        command.Parameters.AddWithValue("$c", key);
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Pragma(connection, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
        return connection;
    }

    private static void Pragma(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<StoredEvent> ReadStored(SqliteCommand command)
    {
        var list = new List<StoredEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var json = reader.GetFieldValue<byte[]>(1);
            list.Add(new StoredEvent(reader.GetInt64(0), JsonSerializer.Deserialize(json, DeckhandJson.Wire.Event)!) { Utf8Json = json });
        }
        return list;
    }

    private static string SerializeSnapshot(ConversationSnapshot snapshot) =>
        JsonSerializer.Serialize(snapshot, DeckhandJson.Storage.ConversationSnapshot);

    private static ConversationSnapshot DeserializeSnapshot(string json) =>
        JsonSerializer.Deserialize(json, DeckhandJson.Storage.ConversationSnapshot)!;

    internal static string Key(Guid id) => id.ToString("D");

    internal static string SortableTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    internal static string SourceName(EventSource source) => source switch
    {
        EventSource.Agent => "agent",
        EventSource.User => "user",
        EventSource.Environment => "environment",
        _ => "hook",
    };

    /// <summary>What the <c>body</c> filter searches: the text of message events, lower-cased; null for other kinds.</summary>
    private static string? SearchText(Event e) => e is MessageEvent m
        ? string.Join("\n", [m.LlmMessage.Text(), .. m.ExtendedContent.Select(c => c.Text), m.LlmMessage.ReasoningContent ?? ""]).ToLowerInvariant()
        : null;

    private static void RestrictPermissions(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file))
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
