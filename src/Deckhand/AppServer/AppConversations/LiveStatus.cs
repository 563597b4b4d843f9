using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Conversations;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// Live enrichment (V1 spec §1.2): each catalogue row gets its sandbox's status, and, for running sandboxes, the
/// agent-server's execution status (one batch call per sandbox; any failure there just leaves it null), the
/// conversation URL and the sandbox's session key.
/// </summary>
public sealed class LiveStatus(SandboxService sandboxes, SandboxAgents agents)
{
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(10);

    public async Task<IReadOnlyList<AppConversation>> EnrichAsync(IReadOnlyList<AppConversationInfo> rows,
        IReadOnlyDictionary<Guid, IReadOnlyList<Guid>>? subConversations, CancellationToken cancellationToken)
    {
        var live = new Dictionary<string, (SandboxStatus Status, SandboxRecord? Record, Dictionary<Guid, ConversationInfo> Conversations)>(StringComparer.Ordinal);
        foreach (var group in rows.GroupBy(r => r.SandboxId, StringComparer.Ordinal))
        {
            // Rows are already scoped to the caller; their sandboxes are read as the server.
            var record = await sandboxes.FindAsync(null, group.Key, cancellationToken);
            var status = record is null ? SandboxStatus.Missing
                : (await sandboxes.GetAsync(null, group.Key, cancellationToken))?.Status ?? SandboxStatus.Missing;
            var conversations = new Dictionary<Guid, ConversationInfo>();
            if (status == SandboxStatus.Running && record is not null && agents.For(record, AgentTimeout) is { } agent)
            {
                try
                {
                    foreach (var info in await agent.BatchGetConversationsAsync([.. group.Select(r => r.Id)], cancellationToken))
                    {
                        if (info is not null)
                            conversations[info.Id] = info;
                    }
                }
                catch (Exception ex) when (ex is AgentServerException or HttpRequestException or System.Text.Json.JsonException
                                           || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // No live information: the rows still answer, with execution_status null.
                }
            }
            live[group.Key] = (status, record, conversations);
        }
        return [.. rows.Select(row =>
        {
            var (status, record, conversations) = live[row.SandboxId];
            var exposed = status == SandboxStatus.Running && record?.AgentUrl is not null;
            return ToWire(row, subConversations?.GetValueOrDefault(row.Id) ?? []) with
            {
                SandboxStatus = status,
                ExecutionStatus = conversations.TryGetValue(row.Id, out var info) ? info.ExecutionStatus : null,
                ConversationUrl = exposed ? $"{record!.AgentUrl!.TrimEnd('/')}/api/conversations/{Ids.Hex(row.Id)}" : null,
                SessionApiKey = exposed ? record!.SessionApiKey : null,
            };
        })];
    }

    private static AppConversation ToWire(AppConversationInfo row, IReadOnlyList<Guid> subConversations) => new()
    {
        Id = Ids.Hex(row.Id),
        CreatedByUserId = row.CreatedByUserId,
        SandboxId = row.SandboxId,
        SelectedRepository = row.SelectedRepository,
        SelectedBranch = row.SelectedBranch,
        GitProvider = row.GitProvider,
        Title = row.Title,
        Trigger = row.Trigger,
        PrNumber = row.PrNumber,
        LlmModel = row.LlmModel,
        Metrics = new AppMetricsSnapshot
        {
            AccumulatedCost = row.AccumulatedCost,
            MaxBudgetPerTask = row.MaxBudgetPerTask,
            AccumulatedTokenUsage = new AppTokenUsage
            {
                PromptTokens = row.PromptTokens,
                CompletionTokens = row.CompletionTokens,
                CacheReadTokens = row.CacheReadTokens,
                CacheWriteTokens = row.CacheWriteTokens,
                ReasoningTokens = row.ReasoningTokens,
                ContextWindow = row.ContextWindow,
                PerTurnToken = row.PerTurnToken,
            },
        },
        ParentConversationId = row.ParentConversationId is { } parent ? Ids.Hex(parent) : null,
        SubConversationIds = [.. subConversations.Select(Ids.Hex)],
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
        Public = row.Public,
    };
}
