using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Llm;

namespace Deckhand.AppServer.AppConversations.Messages;

/// <summary>What a send or queue request came to: an HTTP status, and the body or the error detail.</summary>
public sealed record SendResult(int StatusCode, AppSendMessageResponse? Response = null, PendingMessageResponse? Queued = null, string? Detail = null)
{
    public static SendResult Error(int statusCode, string detail) => new(statusCode, Detail: detail);
}

/// <summary>
/// Messages for app conversations (V1 spec §2): <c>send-message</c> forwards to the sandbox's agent-server once the
/// conversation is ready, and queues (durably, in order) while it is still starting; <c>pending-messages</c> always
/// queues. A target is a conversation id or <c>task-&lt;start task id&gt;</c>.
/// </summary>
public sealed class MessageSender(
    StartTaskRepository tasks, AppConversationInfoRepository conversations, PendingMessageRepository pending, PendingMessageDelivery delivery,
    SandboxService sandboxes, SandboxAgents agents)
{
    public async Task<SendResult> SendAsync(string? userId, string target, IReadOnlyList<ContentItem> content, bool run,
        CancellationToken cancellationToken)
    {
        var (task, conversationId, problem) = await ResolveAsync(userId, target, cancellationToken);
        if (problem is not null)
            return problem;
        if (task is not null && task.Status != AppConversationStartTaskStatus.Ready)
        {
            var result = await QueueAsync(task, content, cancellationToken);
            if (result.Queued is not { } queued)
                return result;
            return new SendResult(StatusCodes.Status200OK, new AppSendMessageResponse(true, await SandboxStatusAsync(task, cancellationToken),
                $"Queued as message {queued.Position}: it is delivered when the conversation is ready."));
        }

        var info = await conversations.GetAsync(userId, conversationId!.Value, cancellationToken);
        if (info is null)
            return SendResult.Error(StatusCodes.Status404NotFound, "Conversation not found");
        var sandbox = await sandboxes.FindAsync(userId, info.SandboxId, cancellationToken);
        if (sandbox is null)
            return SendResult.Error(StatusCodes.Status404NotFound, $"Sandbox not found: {info.SandboxId}");
        var status = (await sandboxes.GetAsync(userId, sandbox.Id, cancellationToken))?.Status ?? SandboxStatus.Missing;
        switch (status)
        {
            case SandboxStatus.Missing:
                return SendResult.Error(StatusCodes.Status410Gone, $"Sandbox {sandbox.Id} is gone (archived); the conversation cannot take messages.");
            case SandboxStatus.Error:
                return SendResult.Error(StatusCodes.Status503ServiceUnavailable, $"Sandbox {sandbox.Id} is in ERROR: its agent-server does not answer.");
            case not SandboxStatus.Running:
                return SendResult.Error(StatusCodes.Status409Conflict,
                    $"Sandbox {sandbox.Id} is {status.ToString().ToUpperInvariant()}; resume it with POST /api/v1/sandboxes/{sandbox.Id}/resume.");
        }
        if (agents.For(sandbox) is not { } agent)
            return SendResult.Error(StatusCodes.Status503ServiceUnavailable, $"Sandbox {sandbox.Id} has no agent-server URL.");

        // Queued messages of this conversation go first: nothing overtakes them.
        task ??= await tasks.FindByConversationAsync(userId, Ids.Hex(info.Id), cancellationToken);
        return await delivery.LockedAsync(task?.Id ?? Ids.Hex(info.Id), async () =>
        {
            if (task is not null && await delivery.DeliverLockedAsync(task.Id, cancellationToken) == DeliveryOutcome.Failed)
                return SendResult.Error(StatusCodes.Status502BadGateway, "Messages queued earlier could not be delivered to the agent server; try again.");
            try
            {
                await agent.SendMessageAsync(info.Id, new SendMessageRequest { Role = MessageRole.User, Content = content, Run = run }, cancellationToken);
            }
            catch (AgentServerException ex)
            {
                return SendResult.Error(StatusCodes.Status502BadGateway, $"The agent server did not take the message: {ex.Message}");
            }
            catch (HttpRequestException ex)
            {
                return SendResult.Error(StatusCodes.Status502BadGateway, $"The agent server could not be reached: {ex.Message}");
            }
            return new SendResult(StatusCodes.Status200OK, new AppSendMessageResponse(true, SandboxStatus.Running, null));
        }, cancellationToken);
    }

    /// <summary><c>pending-messages</c>: queues for the start task of <paramref name="target"/> (delivered at once if it is ready).</summary>
    public async Task<SendResult> EnqueueAsync(string? userId, string target, IReadOnlyList<ContentItem> content, CancellationToken cancellationToken)
    {
        var (task, conversationId, problem) = await ResolveAsync(userId, target, cancellationToken);
        if (problem is not null)
            return problem;
        task ??= await tasks.FindByConversationAsync(userId, Ids.Hex(conversationId!.Value), cancellationToken);
        if (task is null)
            return SendResult.Error(StatusCodes.Status404NotFound, $"No start task for conversation {target}; use send-message.");
        return await QueueAsync(task, content, cancellationToken);
    }

    private async Task<SendResult> QueueAsync(AppConversationStartTask task, IReadOnlyList<ContentItem> content, CancellationToken cancellationToken)
    {
        if (task.Status == AppConversationStartTaskStatus.Error)
            return SendResult.Error(StatusCodes.Status409Conflict, $"The conversation did not start, so it cannot take messages: {task.Detail}");
        var key = PendingMessageDelivery.Key(task.Id);
        if (await pending.CountAsync(key, cancellationToken) >= PendingMessageDelivery.MaxQueued)
            return SendResult.Error(StatusCodes.Status429TooManyRequests,
                $"{PendingMessageDelivery.MaxQueued} messages are already waiting for this conversation to start.");
        var (message, position) = await pending.AddAsync(key, "user", content, cancellationToken);
        // The flow delivers when it reaches READY; if it got there while this was being saved, deliver now.
        if ((await tasks.GetAsync(null, task.Id, cancellationToken))?.Status == AppConversationStartTaskStatus.Ready)
            delivery.DeliverInBackground(task.Id);
        return new SendResult(StatusCodes.Status201Created, Queued: new PendingMessageResponse(message.Id, true, position));
    }

    private async Task<SandboxStatus?> SandboxStatusAsync(AppConversationStartTask task, CancellationToken cancellationToken) =>
        task.SandboxId is { } id ? (await sandboxes.GetAsync(null, id, cancellationToken))?.Status : null;

    /// <summary>The start task (for <c>task-&lt;id&gt;</c>, or null) and the conversation id the target names.</summary>
    private async Task<(AppConversationStartTask? Task, Guid? ConversationId, SendResult? Problem)> ResolveAsync(string? userId, string target,
        CancellationToken cancellationToken)
    {
        if (target.StartsWith(Ids.TaskPrefix, StringComparison.Ordinal))
        {
            if (!Ids.TryParse(target[Ids.TaskPrefix.Length..], out var taskId))
                return (null, null, SendResult.Error(StatusCodes.Status400BadRequest, "Invalid start task id format"));
            var task = await tasks.GetAsync(userId, Ids.Hex(taskId), cancellationToken);
            if (task is null)
                return (null, null, SendResult.Error(StatusCodes.Status404NotFound, "Start task not found"));
            Guid? conversation = Ids.TryParse(task.AppConversationId, out var c) ? c : null;
            return (task, conversation, null);
        }
        return Ids.TryParse(target, out var id)
            ? (null, id, null)
            : (null, null, SendResult.Error(StatusCodes.Status400BadRequest, "Invalid conversation ID format"));
    }
}
