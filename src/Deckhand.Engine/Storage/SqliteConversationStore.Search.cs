using System.Globalization;
using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Events;
using Microsoft.Data.Sqlite;

namespace Deckhand.Engine.Storage;

public sealed partial class SqliteConversationStore
{
    public EventSearchResult SearchEvents(Guid conversationId, EventQuery query)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var where = FilterSql(command, conversationId, query.Filter);
        if (query.PageId is not null)
        {
            // An unknown page id starts from the beginning, as OpenHands does.
            var pageSeq = SeqOf(connection, conversationId, query.PageId);
            if (pageSeq is not null)
            {
                where += query.Descending ? " AND seq <= $page" : " AND seq >= $page";
                command.Parameters.AddWithValue("$page", pageSeq.Value);
            }
        }
        command.CommandText =
            $"SELECT seq, json FROM events WHERE {where} ORDER BY seq {(query.Descending ? "DESC" : "ASC")} LIMIT $limit;";
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        var rows = ReadStored(command);
        string? next = null;
        if (rows.Count > query.Limit)
        {
            next = rows[query.Limit].Event.Id;
            rows.RemoveAt(query.Limit);
        }
        return new EventSearchResult(rows, next);
    }

    public long CountEvents(Guid conversationId, EventFilter filter)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM events WHERE {FilterSql(command, conversationId, filter)};";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public ConversationSearchResult SearchConversations(ConversationQuery query)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var (column, descending) = query.Sort switch
        {
            ConversationSort.CreatedAt => ("created_at", false),
            ConversationSort.UpdatedAt => ("updated_at", false),
            ConversationSort.UpdatedAtDesc => ("updated_at", true),
            _ => ("created_at", true),
        };
        var where = "1=1";
        if (query.Status is not null)
        {
            where += " AND execution_status = $status";
            command.Parameters.AddWithValue("$status", query.Status.Value.Wire());
        }
        if (query.PageId is not null)
        {
            using var keyCommand = connection.CreateCommand();
            keyCommand.CommandText = $"SELECT {column} FROM conversations WHERE id = $p;";
            keyCommand.Parameters.AddWithValue("$p", Key(query.PageId.Value));
            if (keyCommand.ExecuteScalar() is string pageKey)
            {
                where += descending
                    ? $" AND ({column} < $pk OR ({column} = $pk AND id <= $pid))"
                    : $" AND ({column} > $pk OR ({column} = $pk AND id >= $pid))";
                command.Parameters.AddWithValue("$pk", pageKey);
                command.Parameters.AddWithValue("$pid", Key(query.PageId.Value));
            }
        }
        var direction = descending ? "DESC" : "ASC";
        command.CommandText =
            $"SELECT snapshot FROM conversations WHERE {where} ORDER BY {column} {direction}, id {direction} LIMIT $limit;";
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        var items = new List<ConversationSnapshot>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
                items.Add(DeserializeSnapshot(reader.GetString(0)));
        }
        Guid? next = null;
        if (items.Count > query.Limit)
        {
            next = items[query.Limit].State.Id;
            items.RemoveAt(query.Limit);
        }
        return new ConversationSearchResult(items, next);
    }

    private static string FilterSql(SqliteCommand command, Guid conversationId, EventFilter filter)
    {
        var where = "conversation_id = $c";
        command.Parameters.AddWithValue("$c", Key(conversationId));
        if (filter.Kind is not null)
        {
            where += " AND kind = $kind";
            command.Parameters.AddWithValue("$kind", filter.Kind);
        }
        if (filter.Source is not null)
        {
            where += " AND source = $source";
            command.Parameters.AddWithValue("$source", filter.Source);
        }
        if (!string.IsNullOrEmpty(filter.Body))
        {
            where += " AND search_text IS NOT NULL AND instr(search_text, $body) > 0";
            command.Parameters.AddWithValue("$body", filter.Body.ToLowerInvariant());
        }
        if (filter.TimestampGte is not null)
        {
            where += " AND timestamp >= $gte";
            command.Parameters.AddWithValue("$gte", filter.TimestampGte);
        }
        if (filter.TimestampLt is not null)
        {
            where += " AND timestamp < $lt";
            command.Parameters.AddWithValue("$lt", filter.TimestampLt);
        }
        return where;
    }

    private static long? SeqOf(SqliteConnection connection, Guid conversationId, string eventId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM events WHERE conversation_id = $c AND id = $id;";
        command.Parameters.AddWithValue("$c", Key(conversationId));
        command.Parameters.AddWithValue("$id", eventId);
        return command.ExecuteScalar() is long seq ? seq : null;
    }
}
