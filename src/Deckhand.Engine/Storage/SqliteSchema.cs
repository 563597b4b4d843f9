using Microsoft.Data.Sqlite;

namespace Deckhand.Engine.Storage;

/// <summary>Hand-written, numbered migrations, applied in order at start inside one transaction each.</summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            execution_status TEXT NOT NULL,
            head_seq INTEGER NOT NULL DEFAULT 0,
            snapshot TEXT NOT NULL
        );
        CREATE INDEX ix_conversations_created ON conversations (created_at, id);
        CREATE INDEX ix_conversations_updated ON conversations (updated_at, id);
        CREATE INDEX ix_conversations_status ON conversations (execution_status);
        CREATE TABLE events (
            conversation_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            id TEXT NOT NULL,
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            search_text TEXT,
            json TEXT NOT NULL,
            PRIMARY KEY (conversation_id, seq)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX ix_events_id ON events (conversation_id, id);
        """,
        // 2: sub-conversations. The parent is also in the snapshot; the column is what finds a parent's children.
        """
        ALTER TABLE conversations ADD COLUMN parent_id TEXT;
        CREATE INDEX ix_conversations_parent ON conversations (parent_id, created_at) WHERE parent_id IS NOT NULL;
        """,
    ];

    public static void Migrate(SqliteConnection connection)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);");
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;";
        var current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > Migrations.Length)
            throw new InvalidOperationException(
                $"The database schema is version {current}, newer than this Deckhand build knows ({Migrations.Length}). Upgrade Deckhand.");
        for (var version = current + 1; version <= Migrations.Length; version++)
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, Migrations[version - 1], tx);
            Execute(connection, $"INSERT INTO schema_migrations (version, applied_at) VALUES ({version}, datetime('now'));", tx);
            tx.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
