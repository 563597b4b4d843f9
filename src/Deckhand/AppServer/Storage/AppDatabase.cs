using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Deckhand.AppServer.Storage;

/// <summary>
/// The app server's database: SQLite in the data directory by default, PostgreSQL when a connection string is given.
/// Hands out open connections (pooled by the driver); callers dispose them.
/// </summary>
public sealed class AppDatabase : IAsyncDisposable
{
    public const string SqliteFileName = "app.db";

    private readonly string? _sqliteConnectionString;
    private readonly NpgsqlDataSource? _postgres;

    private AppDatabase(SqlDialect dialect, string? sqliteConnectionString, NpgsqlDataSource? postgres, string description)
    {
        Dialect = dialect;
        _sqliteConnectionString = sqliteConnectionString;
        _postgres = postgres;
        Description = description;
    }

    public SqlDialect Dialect { get; }

    /// <summary>Where the data lives, without credentials (for the start-up line).</summary>
    public string Description { get; }

    /// <summary>
    /// PostgreSQL when <paramref name="connection"/> is given (Npgsql keyword form, or a <c>postgres://</c> URL),
    /// else SQLite at <c>&lt;dataDir&gt;/app.db</c>. Throws <see cref="ArgumentException"/> for an unusable string.
    /// </summary>
    public static AppDatabase Open(string? connection, string dataDir)
    {
        if (!string.IsNullOrWhiteSpace(connection))
        {
            var builder = PostgresConnectionString.Parse(connection);
            var description = $"postgresql {builder.Host}:{builder.Port}/{builder.Database}";
            // The slim builder maps the plain types we use (text, integers, timestamptz) and stays trim-safe.
            return new AppDatabase(SqlDialect.Postgres, null, new NpgsqlSlimDataSourceBuilder(builder.ConnectionString).Build(), description);
        }
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, SqliteFileName);
        var sqlite = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        return new AppDatabase(SqlDialect.Sqlite, sqlite, null, "sqlite " + path);
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
            return await _postgres.OpenConnectionAsync(cancellationToken);
        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken);
        // busy_timeout makes concurrent writers wait for each other instead of failing with SQLITE_BUSY.
        await using var pragma = connection.Command("PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>Creates or upgrades the schema; on SQLite also switches to WAL and makes the file owner-only.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (connection is SqliteConnection sqlite)
        {
            await using var wal = sqlite.Command("PRAGMA journal_mode=WAL;");
            await wal.ExecuteNonQueryAsync(cancellationToken);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(sqlite.DataSource, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        await Migrations.ApplyAsync(connection, Dialect, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
            await _postgres.DisposeAsync();
    }
}
