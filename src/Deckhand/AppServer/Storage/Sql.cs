using System.Data.Common;

namespace Deckhand.AppServer.Storage;

/// <summary>Small ADO.NET conveniences shared by the repositories.</summary>
public static class Sql
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds <c>@name</c>; null becomes SQL NULL.</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    /// <summary>Offset paging: an opaque <c>page_id</c> that is a stringified offset; anything else restarts at 0.</summary>
    public static int Offset(string? pageId) => int.TryParse(pageId, out var offset) && offset > 0 ? offset : 0;
}
