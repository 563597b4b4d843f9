using System.Collections.Concurrent;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Llm;

namespace Deckhand.AppServer.AppConversations.Messages;

/// <summary>How a delivery attempt went.</summary>
public enum DeliveryOutcome
{
    /// <summary>Nothing is queued any more.</summary>
    Delivered,
    /// <summary>The conversation is not ready (or its start failed): the messages wait.</summary>
    NotReady,
    /// <summary>The sandbox did not take a message; it and the ones after it wait for the next attempt.</summary>
    Failed,
}

/// <summary>
/// Hands messages queued before a conversation was ready to its agent-server, oldest first, each with <c>run: true</c>,
/// deleting each only once the agent-server accepted it (a message is never dropped). One delivery per start task at a
/// time (<see cref="LockedAsync{T}"/>); direct sends take the same lock, so nothing overtakes a queued message.
/// </summary>
public sealed partial class PendingMessageDelivery(
    PendingMessageRepository pending, StartTaskRepository tasks, AppConversationInfoRepository conversations, SandboxService sandboxes,
    SandboxAgents agents, BackgroundWork background, ILogger<PendingMessageDelivery> logger)
{
    /// <summary>Most messages one task may have waiting (OpenHands answers 429 beyond).</summary>
    public const int MaxQueued = 10;

    private const int BackgroundAttempts = 8;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>The queue key of a start task: the id the web app uses before the conversation exists.</summary>
    public static string Key(string taskId) => Ids.TaskPrefix + taskId;

    public async Task<T> LockedAsync<T>(string taskId, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(taskId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await work();
        }
        finally
        {
            gate.Release();
        }
    }

    public Task<DeliveryOutcome> DeliverAsync(string taskId, CancellationToken cancellationToken) =>
        LockedAsync(taskId, () => DeliverLockedAsync(taskId, cancellationToken), cancellationToken);

    /// <summary>Delivers what is queued for a READY task; call only while holding the task's lock.</summary>
    public async Task<DeliveryOutcome> DeliverLockedAsync(string taskId, CancellationToken cancellationToken)
    {
        var task = await tasks.GetAsync(null, taskId, cancellationToken);
        if (task is not { Status: AppConversationStartTaskStatus.Ready, AppConversationId: { } hex } || !Ids.TryParse(hex, out var conversationId))
            return DeliveryOutcome.NotReady;
        var queued = await pending.ListAsync(Key(taskId), cancellationToken);
        if (queued.Count == 0)
            return DeliveryOutcome.Delivered;
        var info = await conversations.GetAsync(null, conversationId, cancellationToken);
        var sandbox = info is null ? null : await sandboxes.FindAsync(null, info.SandboxId, cancellationToken);
        if (sandbox is null || (await sandboxes.GetAsync(null, sandbox.Id, cancellationToken))?.Status != SandboxStatus.Running
            || agents.For(sandbox) is not { } agent)
        {
            LogWaiting(logger, taskId, queued.Count, "its sandbox is not running");
            return DeliveryOutcome.Failed;
        }
        foreach (var message in queued)
        {
            try
            {
                await agent.SendMessageAsync(conversationId,
                    new SendMessageRequest { Role = MessageRole.User, Content = message.Content, Run = true }, cancellationToken);
            }
            catch (Exception ex) when (ex is AgentServerException or HttpRequestException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogWaiting(logger, taskId, queued.Count, ex.Message);
                return DeliveryOutcome.Failed;
            }
            await pending.DeleteAsync(message.Id, CancellationToken.None);
            LogDelivered(logger, message.Id, Ids.Hex(conversationId));
        }
        return DeliveryOutcome.Delivered;
    }

    /// <summary>Delivers in the background, retrying a few times with growing pauses while the sandbox does not take them.</summary>
    public void DeliverInBackground(string taskId) =>
        background.Run("deliver queued messages", async token =>
        {
            for (var attempt = 1; attempt <= BackgroundAttempts; attempt++)
            {
                if (await DeliverAsync(taskId, token) != DeliveryOutcome.Failed)
                    return;
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), token);
            }
        });

    /// <summary>At server start: delivers what is still queued for ready conversations.</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken = default)
    {
        var keys = await pending.KeysAsync(cancellationToken);
        var taskIds = keys.Where(k => k.StartsWith(Ids.TaskPrefix, StringComparison.Ordinal)).Select(k => k[Ids.TaskPrefix.Length..]).ToList();
        foreach (var task in await tasks.ListReadyWithIdsAsync(taskIds, cancellationToken))
            DeliverInBackground(task.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered queued message {MessageId} to conversation {ConversationId}")]
    private static partial void LogDelivered(ILogger logger, string messageId, string conversationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start task {TaskId}: {Count} queued message(s) wait: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string taskId, int count, string reason);
}
