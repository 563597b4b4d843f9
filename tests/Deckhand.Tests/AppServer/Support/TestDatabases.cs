using Deckhand.AppServer.Storage;

namespace Deckhand.Tests.AppServer.Support;

/// <summary>The two app-server backends, for theories that must hold on both.</summary>
public static class TestDatabases
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static TheoryData<string> Both => new(Sqlite, Postgres);

    /// <summary>A connection string for <paramref name="backend"/>: null for SQLite (the data directory's file), a fresh database for PostgreSQL.</summary>
    public static async Task<string?> ConnectionAsync(string backend, PostgresServer postgres) =>
        backend == Postgres ? await postgres.CreateDatabaseAsync() : null;

    /// <summary>An open, migrated database in <paramref name="dataDir"/> (SQLite) or a fresh PostgreSQL database.</summary>
    public static async Task<AppDatabase> OpenAsync(string backend, PostgresServer postgres, string dataDir)
    {
        var database = AppDatabase.Open(await ConnectionAsync(backend, postgres), dataDir);
        await database.MigrateAsync();
        return database;
    }
}
