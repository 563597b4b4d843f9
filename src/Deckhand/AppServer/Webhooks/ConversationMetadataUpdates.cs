using Deckhand.AppServer.Events;
using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Storage;

namespace Deckhand.AppServer.Webhooks;

/// <summary>
/// What the webhooks change in <c>conversation_metadata</c> (V1 spec §7.3), and nothing more: a row for a conversation
/// the app server did not know (owner = the sandbox's owner, a placeholder title), then only the model, the update time,
/// usage totals, tags, and the title while the row still has none (or the placeholder). Every other column, e.g. the
/// repository and branch the start flow wrote, is preserved.
/// </summary>
public sealed class ConversationMetadataUpdates(AppDatabase database, TimeProvider time)
{
    /// <summary>What the row holds that the webhooks care about; <c>UserId</c> is null for the single local user.</summary>
    public sealed record Row(string? UserId, string? SandboxId, string? Title);

    public enum Outcome
    {
        Created,
        Updated,
        /// <summary>The conversation belongs to a user other than the sandbox's owner.</summary>
        Forbidden,
    }

    /// <summary>The title a conversation gets until a real one is known.</summary>
    public static string Placeholder(Guid conversationId) => "Conversation " + conversationId.ToString("N")[..5];

    /// <summary>True for no title, or a placeholder (ours, or OpenHands' <c>Conversation &lt;uuid&gt;</c>).</summary>
    public static bool IsPlaceholder(Guid conversationId, string? title) =>
        string.IsNullOrWhiteSpace(title) || title == Placeholder(conversationId) || title == "Conversation " + conversationId.ToString("D")
        || title == "Conversation " + conversationId.ToString("N");

    public async Task<Row?> GetAsync(Guid conversationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT user_id, sandbox_id, title FROM conversation_metadata WHERE conversation_id = @id;")
            .With("@id", ConversationEventStore.Key(conversationId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var user = reader.GetString(0);
        return new Row(user.Length == 0 ? null : user, reader.NullableString(1), reader.NullableString(2));
    }

    /// <summary>
    /// A conversation webhook: creates or refreshes the row from the agent-server's info. <paramref name="title"/> is
    /// used only while the row has no real title.
    /// </summary>
    public async Task<Outcome> ApplyInfoAsync(SandboxRecord sandbox, Guid conversationId, string? title, string? llmModel,
        UsageTotals? usage, string? tagsJson, CancellationToken cancellationToken = default)
    {
        var existing = await GetAsync(conversationId, cancellationToken);
        if (existing is not null && existing.UserId != sandbox.CreatedByUserId)
            return Outcome.Forbidden;
        var now = database.Dialect.Time(time.GetUtcNow());
        var placeholder = Placeholder(conversationId);
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await using var upsert = connection.Command("""
                INSERT INTO conversation_metadata (conversation_id, user_id, title, sandbox_id, llm_model, created_at, last_updated_at, conversation_version, tags)
                VALUES (@id, @user, @title, @sandbox, @model, @now, @now, 'V1', @tags)
                ON CONFLICT (conversation_id) DO UPDATE SET
                    title = CASE WHEN conversation_metadata.title IS NULL OR conversation_metadata.title IN (@p1, @p2, @p3)
                        THEN excluded.title ELSE conversation_metadata.title END,
                    sandbox_id = COALESCE(conversation_metadata.sandbox_id, excluded.sandbox_id),
                    llm_model = COALESCE(excluded.llm_model, conversation_metadata.llm_model),
                    last_updated_at = excluded.last_updated_at,
                    tags = COALESCE(excluded.tags, conversation_metadata.tags);
                """)
                .With("@id", ConversationEventStore.Key(conversationId)).With("@user", sandbox.CreatedByUserId ?? "")
                .With("@title", string.IsNullOrWhiteSpace(title) ? placeholder : title.Trim())
                .With("@sandbox", sandbox.Id).With("@model", llmModel).With("@now", now).With("@tags", tagsJson)
                .With("@p1", placeholder).With("@p2", "Conversation " + conversationId.ToString("D")).With("@p3", "Conversation " + conversationId.ToString("N"));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        if (usage is not null)
            await ApplyUsageAsync(conversationId, usage, cancellationToken);
        return existing is null ? Outcome.Created : Outcome.Updated;
    }

    /// <summary>An event webhook: makes sure the conversation has a row (a stub owned by the sandbox's owner).</summary>
    public async Task<Outcome> EnsureAsync(SandboxRecord sandbox, Guid conversationId, CancellationToken cancellationToken = default)
    {
        var existing = await GetAsync(conversationId, cancellationToken);
        if (existing is not null)
            return existing.UserId == sandbox.CreatedByUserId ? Outcome.Updated : Outcome.Forbidden;
        var now = database.Dialect.Time(time.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var insert = connection.Command("""
            INSERT INTO conversation_metadata (conversation_id, user_id, title, sandbox_id, created_at, last_updated_at, conversation_version)
            VALUES (@id, @user, @title, @sandbox, @now, @now, 'V1')
            ON CONFLICT (conversation_id) DO NOTHING;
            """)
            .With("@id", ConversationEventStore.Key(conversationId)).With("@user", sandbox.CreatedByUserId ?? "")
            .With("@title", Placeholder(conversationId)).With("@sandbox", sandbox.Id).With("@now", now);
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1 ? Outcome.Created : Outcome.Updated;
    }

    /// <summary>Refreshes the cost and token columns (OpenHands [LATER]: from <c>stats</c> updates).</summary>
    public async Task ApplyUsageAsync(Guid conversationId, UsageTotals usage, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            UPDATE conversation_metadata SET accumulated_cost = @cost, max_budget_per_task = COALESCE(@budget, max_budget_per_task),
                prompt_tokens = @prompt, completion_tokens = @completion, total_tokens = @total, cache_read_tokens = @cacheRead,
                cache_write_tokens = @cacheWrite, reasoning_tokens = @reasoning, context_window = @window, per_turn_token = @perTurn,
                last_updated_at = @now
            WHERE conversation_id = @id;
            """)
            .With("@cost", usage.AccumulatedCost).With("@budget", usage.MaxBudgetPerTask).With("@prompt", usage.PromptTokens)
            .With("@completion", usage.CompletionTokens).With("@total", usage.PromptTokens + usage.CompletionTokens)
            .With("@cacheRead", usage.CacheReadTokens).With("@cacheWrite", usage.CacheWriteTokens).With("@reasoning", usage.ReasoningTokens)
            .With("@window", usage.ContextWindow).With("@perTurn", usage.PerTurnToken)
            .With("@now", database.Dialect.Time(time.GetUtcNow())).With("@id", ConversationEventStore.Key(conversationId));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets the title unless the row already has a real one; true when it was set.</summary>
    public async Task<bool> SetTitleIfUnsetAsync(Guid conversationId, string title, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            UPDATE conversation_metadata SET title = @title, last_updated_at = @now
            WHERE conversation_id = @id AND (title IS NULL OR title IN (@p1, @p2, @p3));
            """)
            .With("@title", title).With("@now", database.Dialect.Time(time.GetUtcNow())).With("@id", ConversationEventStore.Key(conversationId))
            .With("@p1", Placeholder(conversationId)).With("@p2", "Conversation " + conversationId.ToString("D"))
            .With("@p3", "Conversation " + conversationId.ToString("N"));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
