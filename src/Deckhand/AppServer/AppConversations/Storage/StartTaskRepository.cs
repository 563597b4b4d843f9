using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer.Storage;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.AppConversations.Storage;

/// <summary>How start-task searches are ordered (<c>AppConversationStartTaskSortOrder</c>).</summary>
public enum StartTaskSortOrder
{
    CreatedAt,
    CreatedAtDesc,
    UpdatedAt,
    UpdatedAtDesc,
}

/// <summary>Filters of <c>start-tasks/search</c> and <c>/count</c>; all optional, AND-combined.</summary>
public sealed record StartTaskFilter(string? AppConversationId = null, DateTimeOffset? CreatedAtGte = null);

/// <summary>
/// <c>app_conversation_start_task</c>: one row per start task, saved whole at every status change (the request as
/// JSON, with its initial message). Rows are scoped by <c>created_by_user_id</c> when the caller has an id.
/// </summary>
public sealed class StartTaskRepository(AppDatabase database)
{
    private const string Columns =
        "id, created_by_user_id, status, detail, app_conversation_id, sandbox_id, agent_server_url, request, created_at, updated_at";

    public async Task SaveAsync(AppConversationStartTask task, CancellationToken cancellationToken = default)
    {
        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"INSERT INTO app_conversation_start_task ({Columns}) VALUES (@id, @user, @status, @detail, @conversation, @sandbox, @url, @request, @created, @updated) "
            + "ON CONFLICT (id) DO UPDATE SET status = excluded.status, detail = excluded.detail, app_conversation_id = excluded.app_conversation_id, "
            + "sandbox_id = excluded.sandbox_id, agent_server_url = excluded.agent_server_url, request = excluded.request, updated_at = excluded.updated_at;")
            .With("@id", task.Id).With("@user", task.CreatedByUserId).With("@status", StatusName(task.Status)).With("@detail", task.Detail)
            .With("@conversation", task.AppConversationId).With("@sandbox", task.SandboxId).With("@url", task.AgentServerUrl)
            .With("@request", JsonSerializer.Serialize(task.Request, DeckhandJson.Storage.AppConversationStartRequest))
            .With("@created", dialect.Time(task.CreatedAt)).With("@updated", dialect.Time(task.UpdatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<AppConversationStartTask?> GetAsync(string? userId, string id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(userId, "id = @id", c => c.With("@id", id), "", cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The task that created <paramref name="appConversationId"/> (hex), if any.</summary>
    public async Task<AppConversationStartTask?> FindByConversationAsync(string? userId, string appConversationId,
        CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(userId, "app_conversation_id = @c", c => c.With("@c", appConversationId), "ORDER BY created_at DESC", cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<AppConversationStartTask>> SearchAsync(string? userId, StartTaskFilter filter, StartTaskSortOrder order,
        int offset, int limit, CancellationToken cancellationToken = default)
    {
        var (where, bind) = Where(filter);
        var orderBy = order switch
        {
            StartTaskSortOrder.CreatedAt => "created_at ASC",
            StartTaskSortOrder.UpdatedAt => "updated_at ASC",
            StartTaskSortOrder.UpdatedAtDesc => "updated_at DESC",
            _ => "created_at DESC",
        };
        return QueryAsync(userId, where, c =>
        {
            bind(c);
            c.With("@limit", limit).With("@offset", offset);
        }, $"ORDER BY {orderBy}, id LIMIT @limit OFFSET @offset", cancellationToken);
    }

    public async Task<long> CountAsync(string? userId, StartTaskFilter filter, CancellationToken cancellationToken = default)
    {
        var (where, bind) = Where(filter);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT COUNT(*) FROM app_conversation_start_task WHERE {Scoped(userId, where)};");
        if (userId is not null)
            command.With("@user", userId);
        bind(command);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Tasks left in a working status (the app server stopped while they ran).</summary>
    public Task<IReadOnlyList<AppConversationStartTask>> ListUnfinishedAsync(CancellationToken cancellationToken = default) =>
        QueryAsync(null, "status NOT IN ('READY', 'ERROR')", _ => { }, "ORDER BY created_at", cancellationToken);

    /// <summary>Every READY task, oldest first (to deliver messages still queued for them).</summary>
    public Task<IReadOnlyList<AppConversationStartTask>> ListReadyWithIdsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
            return Task.FromResult<IReadOnlyList<AppConversationStartTask>>([]);
        var names = ids.Select((_, i) => "@i" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        return QueryAsync(null, $"status = 'READY' AND id IN ({string.Join(", ", names)})", c =>
        {
            var i = 0;
            foreach (var id in ids)
                c.With(names[i++], id);
        }, "ORDER BY created_at", cancellationToken);
    }

    public async Task<int> DeleteByConversationAsync(string appConversationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM app_conversation_start_task WHERE app_conversation_id = @c;")
            .With("@c", appConversationId);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private (string Where, Action<DbCommand> Bind) Where(StartTaskFilter filter)
    {
        var where = new StringBuilder("1 = 1");
        if (filter.AppConversationId is not null)
            where.Append(" AND app_conversation_id = @conversation");
        if (filter.CreatedAtGte is not null)
            where.Append(" AND created_at >= @created");
        return (where.ToString(), command =>
        {
            if (filter.AppConversationId is { } conversation)
                command.With("@conversation", conversation);
            if (filter.CreatedAtGte is { } created)
                command.With("@created", database.Dialect.Time(created));
        });
    }

    private static string Scoped(string? userId, string where) => userId is null ? where : $"created_by_user_id = @user AND ({where})";

    private async Task<IReadOnlyList<AppConversationStartTask>> QueryAsync(string? userId, string where, Action<DbCommand> bind, string tail,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM app_conversation_start_task WHERE {Scoped(userId, where)} {tail};");
        if (userId is not null)
            command.With("@user", userId);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AppConversationStartTask>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(Read(reader));
        return rows;
    }

    private AppConversationStartTask Read(DbDataReader reader)
    {
        var requestJson = reader.NullableString(7);
        var request = requestJson is null ? new AppConversationStartRequest()
            : JsonSerializer.Deserialize(requestJson, DeckhandJson.Storage.AppConversationStartRequest) ?? new AppConversationStartRequest();
        var created = database.Dialect.ReadTime(reader, 8);
        return new AppConversationStartTask
        {
            Id = reader.GetString(0),
            CreatedByUserId = reader.NullableString(1),
            Status = ParseStatus(reader.NullableString(2)),
            Detail = reader.NullableString(3),
            AppConversationId = reader.NullableString(4),
            SandboxId = reader.NullableString(5),
            AgentServerUrl = reader.NullableString(6),
            Request = request,
            CreatedAt = created,
            UpdatedAt = database.Dialect.ReadNullableTime(reader, 9) ?? created,
        };
    }

    /// <summary>Stored by name, as OpenHands does (<c>WAITING_FOR_SANDBOX</c>).</summary>
    public static string StatusName(AppConversationStartTaskStatus status) =>
        JsonSerializer.Serialize(status, DeckhandJson.Wire.AppConversationStartTaskStatus).Trim('"');

    private static AppConversationStartTaskStatus ParseStatus(string? name)
    {
        if (name is null)
            return AppConversationStartTaskStatus.Working;
        try
        {
            return JsonSerializer.Deserialize($"\"{name}\"", DeckhandJson.Wire.AppConversationStartTaskStatus);
        }
        catch (JsonException)
        {
            return AppConversationStartTaskStatus.Error;
        }
    }
}
