using Npgsql;

namespace Deckhand.AppServer.Storage;

/// <summary>Reads a PostgreSQL connection string in either form people paste: Npgsql keywords or a URL.</summary>
public static class PostgresConnectionString
{
    /// <summary>
    /// <c>Host=h;Port=5432;Username=u;Password=p;Database=d</c>, or <c>postgres://u:p@h:5432/d?sslmode=require</c>
    /// (also <c>postgresql://</c>). Throws <see cref="ArgumentException"/> with a message that never contains the password.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string value)
    {
        var text = value.Trim();
        NpgsqlConnectionStringBuilder builder;
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            builder = FromUrl(text);
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(text);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw new ArgumentException(
                    "The database connection string is not valid: use the Npgsql form (Host=...;Username=...;Password=...;Database=...) "
                    + "or a postgres://user:password@host:port/database URL.", ex);
            }
        }
        if (string.IsNullOrEmpty(builder.Host))
            throw new ArgumentException("The database connection string names no host.");
        return builder;
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host))
            throw new ArgumentException("The database URL is not valid: expected postgres://user:password@host:port/database.");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host.Trim('[', ']'),
            Port = url.IsDefaultPort || url.Port <= 0 ? 5432 : url.Port,
            Database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
        };
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            if (colon >= 0)
                builder.Password = Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
        }
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            try
            {
                // libpq spells it sslmode; Npgsql accepts "SSL Mode" and most other keywords directly.
                builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw new ArgumentException($"The database URL has an option Npgsql does not know: '{key}'.", ex);
            }
        }
        return builder;
    }
}
