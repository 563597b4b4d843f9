using System.Text.Json;
using Deckhand.AppServer.AppConversations.Messages;
using Deckhand.AppServer.AppConversations.Starting;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Server;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// The catalogue of V1 conversations: reads with live status (search, count, get, batch), rename and other edits
/// (<c>PATCH</c>), and delete (the conversation in its sandbox, its rows, and the sandbox once nothing uses it).
/// </summary>
public sealed partial class AppConversationService(
    AppConversationInfoRepository conversations, StartTaskRepository tasks, PendingMessageRepository pending, LiveStatus live,
    SandboxService sandboxes, SandboxAgents agents, BackgroundWork background, AppServerOptions options, TimeProvider time,
    ILogger<AppConversationService> logger)
{
    public const int MaxTitleLength = 200;

    public async Task<AppConversationPage> SearchAsync(string? userId, AppConversationFilter filter, int offset, int limit,
        CancellationToken cancellationToken)
    {
        var rows = await conversations.SearchAsync(userId, filter, offset, limit + 1, cancellationToken);
        var items = await live.EnrichAsync([.. rows.Take(limit)], null, cancellationToken);
        return new AppConversationPage(items, Http.Paging.Next(offset, limit, rows.Count > limit));
    }

    public Task<long> CountAsync(string? userId, AppConversationFilter filter, CancellationToken cancellationToken) =>
        conversations.CountAsync(userId, filter, cancellationToken);

    /// <summary>One item per id, in order; null for ids not found (or not the caller's).</summary>
    public async Task<IReadOnlyList<AppConversation?>> BatchGetAsync(string? userId, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        var found = new List<AppConversationInfo>();
        var subs = new Dictionary<Guid, IReadOnlyList<Guid>>();
        foreach (var id in ids.Distinct())
        {
            if (await conversations.GetAsync(userId, id, cancellationToken) is { } row)
            {
                found.Add(row);
                subs[id] = await conversations.SubConversationIdsAsync(userId, id, cancellationToken);
            }
        }
        var enriched = (await live.EnrichAsync(found, subs, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        return [.. ids.Select(id => enriched.GetValueOrDefault(Ids.Hex(id)))];
    }

    public async Task<AppConversation?> GetAsync(string? userId, Guid id, CancellationToken cancellationToken) =>
        (await BatchGetAsync(userId, [id], cancellationToken))[0];

    /// <summary>
    /// Applies the fields present in <paramref name="body"/> (a present null clears). Returns the problems (422) when the
    /// body is not valid, null when the conversation is unknown.
    /// </summary>
    public async Task<(AppConversation? Conversation, IReadOnlyList<FieldProblem> Problems)> UpdateAsync(string? userId, Guid id, JsonElement body,
        CancellationToken cancellationToken)
    {
        var row = await conversations.GetAsync(userId, id, cancellationToken);
        if (row is null)
            return (null, []);
        var problems = new List<FieldProblem>();
        var updated = row;
        if (body.TryGetProperty("title", out var title))
        {
            if (ReadString(title, "title", problems, out var text))
            {
                text = text?.Trim();
                if (text is { Length: 0 or > MaxTitleLength })
                    problems.Add(Problem("title", $"title must be 1 to {MaxTitleLength} characters."));
                updated = updated with { Title = text };
            }
        }
        if (body.TryGetProperty("public", out var isPublic))
        {
            if (isPublic.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null)
                updated = updated with { Public = isPublic.ValueKind == JsonValueKind.Null ? null : isPublic.GetBoolean() };
            else
                problems.Add(Problem("public", "public must be true, false or null.", "bool_type"));
        }
        if (body.TryGetProperty("selected_repository", out var repository) && ReadString(repository, "selected_repository", problems, out var repo))
        {
            if (repo is null)
            {
                foreach (var dependent in (string[])["selected_branch", "git_provider"])
                {
                    if (body.TryGetProperty(dependent, out var value) && value.ValueKind != JsonValueKind.Null)
                        problems.Add(Problem(dependent, $"{dependent} must be null when selected_repository is cleared."));
                }
            }
            else if (RepositoryReference.Parse(repo, null, options.GitProviderUrls, out var problem) is null)
                problems.Add(Problem("selected_repository", problem!));
            updated = updated with { SelectedRepository = repo };
        }
        if (body.TryGetProperty("selected_branch", out var branchValue) && ReadString(branchValue, "selected_branch", problems, out var branch))
        {
            if (branch is not null && !BranchNames.IsValid(branch))
                problems.Add(Problem("selected_branch", $"'{branch}' is not a valid branch name."));
            updated = updated with { SelectedBranch = branch };
        }
        if (body.TryGetProperty("git_provider", out var providerValue) && ReadString(providerValue, "git_provider", problems, out var provider))
        {
            if (provider is not null && !GitTokens.Providers.Contains(provider))
                problems.Add(Problem("git_provider", $"Unknown git provider '{provider}'.", "enum"));
            updated = updated with { GitProvider = provider };
        }
        if (problems.Count > 0)
            return (null, problems);

        await conversations.SaveAsync(updated with { UpdatedAt = time.GetUtcNow() }, cancellationToken);
        if (updated.Title != row.Title && updated.Title is { } newTitle)
            await RenameInSandboxAsync(row, newTitle, cancellationToken);
        return (await GetAsync(userId, id, cancellationToken), []);
    }

    /// <summary>
    /// Deletes the conversation (its sub-conversations first): in its sandbox when that runs, then its catalogue row,
    /// start tasks and queued messages; the sandbox itself is deleted in the background once no conversation uses it.
    /// False when unknown.
    /// </summary>
    public async Task<bool> DeleteAsync(string? userId, Guid id, CancellationToken cancellationToken)
    {
        var row = await conversations.GetAsync(userId, id, cancellationToken);
        if (row is null)
            return false;
        foreach (var sub in await conversations.SubConversationIdsAsync(userId, id, cancellationToken))
        {
            if (await conversations.GetAsync(userId, sub, cancellationToken) is { } subRow)
                await DeleteOneAsync(subRow, cancellationToken);
        }
        await DeleteOneAsync(row, cancellationToken);
        var sandboxId = row.SandboxId;
        background.Run("delete the sandbox of a deleted conversation", async token =>
        {
            if (await conversations.CountInSandboxAsync(sandboxId, token) == 0)
                await sandboxes.DeleteAsync(null, sandboxId, token);
        });
        return true;
    }

    private async Task DeleteOneAsync(AppConversationInfo row, CancellationToken cancellationToken)
    {
        if (await RunningAgentAsync(row, cancellationToken) is { } agent)
        {
            try
            {
                await agent.DeleteConversationAsync(row.Id, cancellationToken);
            }
            catch (Exception ex) when (ex is AgentServerException or HttpRequestException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogSandboxCallFailed(logger, "delete", Ids.Hex(row.Id), ex.Message);
            }
        }
        var hex = Ids.Hex(row.Id);
        foreach (var task in await tasks.SearchAsync(null, new StartTaskFilter(AppConversationId: hex), StartTaskSortOrder.CreatedAt, 0, 100, cancellationToken))
            await pending.DeleteAllAsync(PendingMessageDelivery.Key(task.Id), cancellationToken);
        await tasks.DeleteByConversationAsync(hex, cancellationToken);
        await conversations.DeleteAsync(row.Id, cancellationToken);
    }

    private async Task RenameInSandboxAsync(AppConversationInfo row, string title, CancellationToken cancellationToken)
    {
        if (await RunningAgentAsync(row, cancellationToken) is not { } agent)
            return;
        try
        {
            await agent.UpdateConversationAsync(row.Id, new UpdateConversationRequest { Title = title }, cancellationToken);
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogSandboxCallFailed(logger, "rename", Ids.Hex(row.Id), ex.Message);
        }
    }

    private async Task<AgentServerClient?> RunningAgentAsync(AppConversationInfo row, CancellationToken cancellationToken)
    {
        var record = await sandboxes.FindAsync(null, row.SandboxId, cancellationToken);
        if (record is null || (await sandboxes.GetAsync(null, row.SandboxId, cancellationToken))?.Status != SandboxStatus.Running)
            return null;
        return agents.For(record, TimeSpan.FromSeconds(30));
    }

    private static bool ReadString(JsonElement value, string field, List<FieldProblem> problems, out string? text)
    {
        text = null;
        if (value.ValueKind == JsonValueKind.Null)
            return true;
        if (value.ValueKind == JsonValueKind.String)
        {
            text = value.GetString();
            return true;
        }
        problems.Add(Problem(field, $"{field} must be a string or null.", "string_type"));
        return false;
    }

    private static FieldProblem Problem(string field, string message, string type = "value_error") => new(type, ["body", field], message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {Action} conversation {ConversationId} in its sandbox: {Reason}")]
    private static partial void LogSandboxCallFailed(ILogger logger, string action, string conversationId, string reason);
}
