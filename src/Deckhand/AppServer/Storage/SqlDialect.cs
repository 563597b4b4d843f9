using System.Data.Common;
using System.Globalization;

namespace Deckhand.AppServer.Storage;

/// <summary>
/// Everything that differs between the two databases, in one place: column types in DDL, how times are stored, and
/// how a migration holds off a concurrent one. Queries are otherwise the same SQL (<c>@name</c> parameters,
/// <c>ON CONFLICT ... DO UPDATE</c>, <c>LIMIT/OFFSET</c>) on both.
/// </summary>
public abstract class SqlDialect
{
    public static SqlDialect Sqlite { get; } = new SqliteDialect();
    public static SqlDialect Postgres { get; } = new PostgresDialect();

    /// <summary><c>sqlite</c> or <c>postgresql</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The type of a time column (<c>{timestamp}</c> in migrations).</summary>
    protected abstract string TimestampType { get; }

    /// <summary>A 64-bit integer column (<c>{bigint}</c> in migrations).</summary>
    protected abstract string BigIntType { get; }

    /// <summary>SQL run first inside a migration transaction so two servers never migrate at once.</summary>
    public abstract string MigrationLockSql { get; }

    /// <summary>Fills the dialect tokens of a migration.</summary>
    public string Ddl(string sql) => sql.Replace("{timestamp}", TimestampType, StringComparison.Ordinal)
        .Replace("{bigint}", BigIntType, StringComparison.Ordinal);

    /// <summary>A time as a parameter value (always UTC, microsecond precision on both databases).</summary>
    public abstract object Time(DateTimeOffset value);

    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    public DateTimeOffset? ReadNullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    /// <summary>Drops the sub-microsecond part, so a time reads back equal to what was written on either database.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    private sealed class SqliteDialect : SqlDialect
    {
        public override string Name => "sqlite";
        protected override string TimestampType => "TEXT";
        protected override string BigIntType => "INTEGER";
        public override string MigrationLockSql => "SELECT 1;"; // the write transaction itself serializes writers

        // Fixed-width ISO text sorts in time order.
        public override object Time(DateTimeOffset value) =>
            Truncate(value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

        public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
            DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    private sealed class PostgresDialect : SqlDialect
    {
        public override string Name => "postgresql";
        protected override string TimestampType => "TIMESTAMPTZ";
        protected override string BigIntType => "BIGINT";
        // Any 64-bit constant: the key of Deckhand's migration lock, released with the transaction.
        public override string MigrationLockSql => "SELECT pg_advisory_xact_lock(7245519180331);";

        public override object Time(DateTimeOffset value) => Truncate(value);

        public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
            new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
    }
}
