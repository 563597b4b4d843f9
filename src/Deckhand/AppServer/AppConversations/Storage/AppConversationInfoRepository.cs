using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer.Storage;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.AppConversations.Storage;

/// <summary>
/// The rows of <c>conversation_metadata</c> (ids dashed, <c>user_id</c> '' for the single user). The V1 routes read
/// <c>conversation_version = 'V1'</c> rows only; V0 conversations (the V0 facade, same sandboxes) are rows with 'V0' and
/// are reached through <see cref="FindAnyAsync"/>. Reads are scoped to the caller's user id when it has one.
/// </summary>
public sealed class AppConversationInfoRepository(AppDatabase database)
{
    private const string Columns =
        "conversation_id, user_id, sandbox_id, selected_repository, selected_branch, git_provider, title, \"trigger\", pr_number, llm_model, "
        + "parent_conversation_id, public, accumulated_cost, max_budget_per_task, prompt_tokens, completion_tokens, cache_read_tokens, "
        + "cache_write_tokens, reasoning_tokens, context_window, per_turn_token, created_at, last_updated_at, conversation_version";

    /// <summary>
    /// Inserts or replaces the row's catalogue fields. Usage columns and <c>created_at</c> are left as they are on an
    /// existing row (the agent-server's reports own the usage).
    /// </summary>
    public async Task SaveAsync(AppConversationInfo info, CancellationToken cancellationToken = default)
    {
        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO conversation_metadata (conversation_id, user_id, sandbox_id, selected_repository, selected_branch, git_provider, title, "
            + "\"trigger\", pr_number, llm_model, parent_conversation_id, public, max_budget_per_task, conversation_version, created_at, last_updated_at) "
            + "VALUES (@id, @user, @sandbox, @repo, @branch, @provider, @title, @trigger, @pr, @model, @parent, @public, @budget, @version, @created, @updated) "
            + "ON CONFLICT (conversation_id) DO UPDATE SET user_id = excluded.user_id, sandbox_id = excluded.sandbox_id, "
            + "selected_repository = excluded.selected_repository, selected_branch = excluded.selected_branch, git_provider = excluded.git_provider, "
            + "title = excluded.title, \"trigger\" = excluded.\"trigger\", pr_number = excluded.pr_number, llm_model = excluded.llm_model, "
            + "parent_conversation_id = excluded.parent_conversation_id, public = excluded.public, max_budget_per_task = excluded.max_budget_per_task, "
            + "conversation_version = excluded.conversation_version, last_updated_at = excluded.last_updated_at;")
            .With("@id", Ids.Dashed(info.Id)).With("@user", info.CreatedByUserId ?? "").With("@sandbox", info.SandboxId)
            .With("@repo", info.SelectedRepository).With("@branch", info.SelectedBranch).With("@provider", info.GitProvider)
            .With("@title", info.Title).With("@trigger", info.Trigger)
            .With("@pr", JsonSerializer.Serialize(info.PrNumber.ToList(), DeckhandJson.Storage.ListInt32))
            .With("@model", info.LlmModel).With("@parent", info.ParentConversationId is { } parent ? Ids.Dashed(parent) : null)
            .With("@public", info.Public is { } p ? (p ? 1 : 0) : null).With("@budget", info.MaxBudgetPerTask).With("@version", info.Version)
            .With("@created", dialect.Time(info.CreatedAt)).With("@updated", dialect.Time(info.UpdatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A V1 conversation (what the <c>/api/v1</c> routes see).</summary>
    public async Task<AppConversationInfo?> GetAsync(string? userId, Guid id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(userId, "conversation_id = @id", c => c.With("@id", Ids.Dashed(id)), "", cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>A conversation of either version (V0 or V1): what per-conversation routes shared by both resolve.</summary>
    public async Task<AppConversationInfo?> FindAnyAsync(string? userId, Guid id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(userId, "conversation_id = @id", c => c.With("@id", Ids.Dashed(id)), "", cancellationToken, version: null);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<AppConversationInfo>> SearchAsync(string? userId, AppConversationFilter filter, int offset, int limit,
        CancellationToken cancellationToken = default)
    {
        var (where, bind) = Where(filter);
        return await QueryAsync(userId, where, c =>
        {
            bind(c);
            c.With("@limit", limit).With("@offset", offset);
        }, "ORDER BY created_at DESC, conversation_id LIMIT @limit OFFSET @offset", cancellationToken);
    }

    public async Task<long> CountAsync(string? userId, AppConversationFilter filter, CancellationToken cancellationToken = default)
    {
        var (where, bind) = Where(filter);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT COUNT(*) FROM conversation_metadata WHERE {Scoped(userId, where)};");
        if (userId is not null)
            command.With("@user", userId);
        bind(command);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Ids of the conversations whose parent is <paramref name="id"/>, oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> SubConversationIdsAsync(string? userId, Guid id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(userId, "parent_conversation_id = @parent", c => c.With("@parent", Ids.Dashed(id)), "ORDER BY created_at",
            cancellationToken);
        return [.. rows.Select(r => r.Id)];
    }

    /// <summary>How many V1 conversations live in a sandbox.</summary>
    public async Task<long> CountInSandboxAsync(string sandboxId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT COUNT(*) FROM conversation_metadata WHERE conversation_version = 'V1' AND sandbox_id = @s;").With("@s", sandboxId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Conversations of one <paramref name="version"/>, newest first (the V0 facade's list), created at or after
    /// <paramref name="createdSince"/> when given.
    /// </summary>
    public Task<IReadOnlyList<AppConversationInfo>> ListVersionAsync(string? userId, string version, DateTimeOffset? createdSince, int offset, int limit,
        CancellationToken cancellationToken = default) =>
        QueryAsync(userId, createdSince is null ? "1 = 1" : "created_at >= @since", c =>
        {
            if (createdSince is { } since)
                c.With("@since", database.Dialect.Time(since));
            c.With("@limit", limit).With("@offset", offset);
        }, "ORDER BY created_at DESC, conversation_id LIMIT @limit OFFSET @offset", cancellationToken, version);

    /// <summary>How many conversations of any version live in a sandbox.</summary>
    public async Task<long> CountAnyInSandboxAsync(string sandboxId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT COUNT(*) FROM conversation_metadata WHERE sandbox_id = @s;").With("@s", sandboxId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM conversation_metadata WHERE conversation_id = @id;").With("@id", Ids.Dashed(id));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private (string Where, Action<DbCommand> Bind) Where(AppConversationFilter filter)
    {
        var dialect = database.Dialect;
        var where = new StringBuilder("1 = 1");
        if (!filter.IncludeSubConversations)
            where.Append(" AND parent_conversation_id IS NULL");
        if (filter.TitleContains is not null)
            where.Append(" AND title LIKE @title ESCAPE '\\'");
        if (filter.CreatedAtGte is not null)
            where.Append(" AND created_at >= @created_gte");
        if (filter.CreatedAtLt is not null)
            where.Append(" AND created_at < @created_lt");
        if (filter.UpdatedAtGte is not null)
            where.Append(" AND last_updated_at >= @updated_gte");
        if (filter.UpdatedAtLt is not null)
            where.Append(" AND last_updated_at < @updated_lt");
        if (filter.SandboxId is not null)
            where.Append(" AND sandbox_id = @sandbox");
        return (where.ToString(), command =>
        {
            if (filter.TitleContains is { } title)
                command.With("@title", "%" + EscapeLike(title) + "%");
            if (filter.CreatedAtGte is { } a)
                command.With("@created_gte", dialect.Time(a));
            if (filter.CreatedAtLt is { } b)
                command.With("@created_lt", dialect.Time(b));
            if (filter.UpdatedAtGte is { } c)
                command.With("@updated_gte", dialect.Time(c));
            if (filter.UpdatedAtLt is { } d)
                command.With("@updated_lt", dialect.Time(d));
            if (filter.SandboxId is { } sandbox)
                command.With("@sandbox", sandbox);
        });
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static string Scoped(string? userId, string where, string? version = "V1") =>
        (version is null ? "" : $"conversation_version = '{version}' AND ")
        + (userId is null ? $"({where})" : $"user_id = @user AND ({where})");

    private async Task<IReadOnlyList<AppConversationInfo>> QueryAsync(string? userId, string where, Action<DbCommand> bind, string tail,
        CancellationToken cancellationToken, string? version = "V1")
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM conversation_metadata WHERE {Scoped(userId, where, version)} {tail};");
        if (userId is not null)
            command.With("@user", userId);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AppConversationInfo>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(Read(reader));
        return rows;
    }

    private AppConversationInfo Read(DbDataReader reader)
    {
        var dialect = database.Dialect;
        var created = dialect.ReadNullableTime(reader, 21) ?? DateTimeOffset.UnixEpoch;
        var user = reader.NullableString(1);
        return new AppConversationInfo
        {
            Id = Guid.Parse(reader.GetString(0)),
            CreatedByUserId = string.IsNullOrEmpty(user) ? null : user,
            SandboxId = reader.NullableString(2) ?? "",
            SelectedRepository = reader.NullableString(3),
            SelectedBranch = reader.NullableString(4),
            GitProvider = reader.NullableString(5),
            Title = reader.NullableString(6),
            Trigger = reader.NullableString(7),
            PrNumber = ReadPrNumbers(reader.NullableString(8)),
            LlmModel = reader.NullableString(9),
            ParentConversationId = reader.NullableString(10) is { } parent && Guid.TryParse(parent, out var p) ? p : null,
            Public = reader.IsDBNull(11) ? null : Convert.ToInt64(reader.GetValue(11), CultureInfo.InvariantCulture) != 0,
            AccumulatedCost = reader.IsDBNull(12) ? 0 : reader.GetDouble(12),
            MaxBudgetPerTask = reader.IsDBNull(13) ? null : reader.GetDouble(13),
            PromptTokens = reader.GetInt64(14),
            CompletionTokens = reader.GetInt64(15),
            CacheReadTokens = reader.GetInt64(16),
            CacheWriteTokens = reader.GetInt64(17),
            ReasoningTokens = reader.GetInt64(18),
            ContextWindow = reader.GetInt64(19),
            PerTurnToken = reader.GetInt64(20),
            CreatedAt = created,
            UpdatedAt = dialect.ReadNullableTime(reader, 22) ?? created,
            Version = reader.NullableString(23) ?? "V1",
        };
    }

    private static IReadOnlyList<int> ReadPrNumbers(string? json)
    {
        if (string.IsNullOrEmpty(json))
            return [];
        try
        {
            return JsonSerializer.Deserialize(json, DeckhandJson.Storage.ListInt32) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
