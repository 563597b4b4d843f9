using System.Data.Common;

namespace Deckhand.AppServer.Storage;

/// <summary>
/// Hand-written, numbered schema migrations, the same on SQLite and PostgreSQL (types come from <c>{tokens}</c> the
/// dialect fills). Each runs in its own transaction with its row in <c>schema_version</c>; never edit one that has
/// shipped, add the next.
/// </summary>
public static class Migrations
{
    /// <summary>In order; index + 1 is the version.</summary>
    private static readonly (string Name, string Sql)[] All =
    [
        ("baseline", """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT,
                created_at {timestamp} NOT NULL
            );

            -- user_id '' is the single user of a self-hosted server (OpenHands' user_id null).
            CREATE TABLE user_settings (
                user_id TEXT PRIMARY KEY,
                data TEXT NOT NULL,
                updated_at {timestamp} NOT NULL
            );

            CREATE TABLE user_secrets (
                user_id TEXT NOT NULL,
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                description TEXT,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (user_id, name)
            );

            CREATE TABLE provider_tokens (
                user_id TEXT NOT NULL,
                provider TEXT NOT NULL,
                token TEXT NOT NULL,
                host TEXT,
                provider_user_id TEXT,
                updated_at {timestamp} NOT NULL,
                PRIMARY KEY (user_id, provider)
            );

            -- The sandbox registry. runtime is the provider's own state (JSON), e.g. pid and directories for process.
            CREATE TABLE sandboxes (
                id TEXT PRIMARY KEY,
                created_by_user_id TEXT,
                sandbox_spec_id TEXT NOT NULL,
                provider TEXT NOT NULL,
                status TEXT NOT NULL,
                session_api_key TEXT NOT NULL,
                agent_url TEXT,
                runtime TEXT,
                detail TEXT,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE INDEX ix_sandboxes_created ON sandboxes (created_at);
            CREATE INDEX ix_sandboxes_user ON sandboxes (created_by_user_id);

            CREATE TABLE app_conversation_start_task (
                id TEXT PRIMARY KEY,
                created_by_user_id TEXT,
                status TEXT,
                detail TEXT,
                app_conversation_id TEXT,
                sandbox_id TEXT,
                agent_server_url TEXT,
                request TEXT,
                created_at {timestamp} NOT NULL,
                updated_at {timestamp}
            );
            CREATE INDEX ix_start_task_user ON app_conversation_start_task (created_by_user_id);
            CREATE INDEX ix_start_task_created ON app_conversation_start_task (created_at);
            CREATE INDEX ix_start_task_updated ON app_conversation_start_task (updated_at);
            CREATE INDEX ix_start_task_conversation ON app_conversation_start_task (app_conversation_id);

            CREATE TABLE conversation_metadata (
                conversation_id TEXT PRIMARY KEY,
                github_user_id TEXT,
                user_id TEXT NOT NULL DEFAULT '',
                selected_repository TEXT,
                selected_branch TEXT,
                git_provider TEXT,
                title TEXT,
                last_updated_at {timestamp},
                created_at {timestamp},
                "trigger" TEXT,
                pr_number TEXT NOT NULL DEFAULT '[]',
                accumulated_cost DOUBLE PRECISION NOT NULL DEFAULT 0,
                prompt_tokens {bigint} NOT NULL DEFAULT 0,
                completion_tokens {bigint} NOT NULL DEFAULT 0,
                total_tokens {bigint} NOT NULL DEFAULT 0,
                cache_read_tokens {bigint} NOT NULL DEFAULT 0,
                cache_write_tokens {bigint} NOT NULL DEFAULT 0,
                reasoning_tokens {bigint} NOT NULL DEFAULT 0,
                context_window {bigint} NOT NULL DEFAULT 0,
                per_turn_token {bigint} NOT NULL DEFAULT 0,
                max_budget_per_task DOUBLE PRECISION,
                llm_model TEXT,
                conversation_version TEXT NOT NULL DEFAULT 'V1',
                sandbox_id TEXT,
                parent_conversation_id TEXT,
                public INTEGER,
                agent_kind TEXT,
                tags TEXT
            );
            CREATE INDEX ix_conversation_user ON conversation_metadata (user_id);
            CREATE INDEX ix_conversation_version ON conversation_metadata (conversation_version);
            CREATE INDEX ix_conversation_created ON conversation_metadata (created_at);
            CREATE INDEX ix_conversation_sandbox ON conversation_metadata (sandbox_id);
            CREATE INDEX ix_conversation_parent ON conversation_metadata (parent_conversation_id);

            -- The app server's own copy of each conversation's events, in arrival order (webhooks; idempotent on event id).
            CREATE TABLE conversation_events (
                conversation_id TEXT NOT NULL,
                seq {bigint} NOT NULL,
                event_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                timestamp TEXT NOT NULL,
                json TEXT NOT NULL,
                PRIMARY KEY (conversation_id, seq)
            );
            CREATE UNIQUE INDEX ix_conversation_events_id ON conversation_events (conversation_id, event_id);
            CREATE INDEX ix_conversation_events_event ON conversation_events (event_id);

            -- Messages sent before a conversation is ready, delivered in order once it is.
            CREATE TABLE pending_messages (
                id TEXT PRIMARY KEY,
                conversation_id TEXT NOT NULL,
                role TEXT NOT NULL,
                content TEXT NOT NULL,
                created_at {timestamp} NOT NULL
            );
            CREATE INDEX ix_pending_messages_conversation ON pending_messages (conversation_id, created_at);

            CREATE TABLE event_callback (
                id TEXT PRIMARY KEY,
                conversation_id TEXT,
                processor TEXT NOT NULL,
                event_kind TEXT,
                status TEXT NOT NULL DEFAULT 'ACTIVE',
                created_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL
            );
            CREATE INDEX ix_event_callback_conversation ON event_callback (conversation_id);
            CREATE INDEX ix_event_callback_created ON event_callback (created_at);

            CREATE TABLE event_callback_result (
                id TEXT PRIMARY KEY,
                status TEXT,
                event_callback_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                conversation_id TEXT NOT NULL,
                detail TEXT,
                created_at {timestamp} NOT NULL
            );
            CREATE INDEX ix_event_callback_result_callback ON event_callback_result (event_callback_id);
            CREATE INDEX ix_event_callback_result_event ON event_callback_result (event_id);
            CREATE INDEX ix_event_callback_result_conversation ON event_callback_result (conversation_id);
            CREATE INDEX ix_event_callback_result_created ON event_callback_result (created_at);
            """),
    ];

    public static int Latest => All.Length;

    public static async Task ApplyAsync(DbConnection connection, SqlDialect dialect, CancellationToken cancellationToken)
    {
        await using (var create = connection.Command(dialect.Ddl(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {timestamp} NOT NULL);")))
            await create.ExecuteNonQueryAsync(cancellationToken);
        var start = await CurrentVersionAsync(connection, null, cancellationToken);
        if (start > All.Length)
            throw new InvalidOperationException(
                $"The app database schema is version {start}, newer than this Deckhand build knows ({All.Length}). Upgrade Deckhand.");
        for (var version = start + 1; version <= All.Length; version++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = connection.Command(dialect.MigrationLockSql, transaction))
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            // Read under the lock: another server may have applied it while we waited.
            if (await CurrentVersionAsync(connection, transaction, cancellationToken) >= version)
                continue;
            var (name, sql) = All[version - 1];
            await using (var migrate = connection.Command(dialect.Ddl(sql), transaction))
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            await using (var record = connection.Command("INSERT INTO schema_version (version, name, applied_at) VALUES (@v, @n, @t);", transaction)
                .With("@v", version).With("@n", name).With("@t", dialect.Time(DateTimeOffset.UtcNow)))
                await record.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    public static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var read = connection.Command("SELECT COALESCE(MAX(version), 0) FROM schema_version;", transaction);
        return Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
