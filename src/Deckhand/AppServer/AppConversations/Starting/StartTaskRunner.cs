using System.Threading.Channels;
using Deckhand.AppServer.AppConversations.Messages;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>
/// Starts conversations: saves the <c>WORKING</c> task and runs the <see cref="StartFlow"/> in the background, detached
/// from the request that asked (a client that hangs up does not stop it). At server start, settles what a stop left
/// behind: tasks still working become <c>ERROR</c>, and messages queued for ready conversations are delivered.
/// </summary>
public sealed partial class StartTaskRunner(
    StartTaskRepository tasks, StartFlow flow, PendingMessageDelivery delivery, BackgroundWork background, TimeProvider time,
    ILogger<StartTaskRunner> logger)
{
    /// <summary>
    /// Saves a new task and starts its flow; returns the first snapshot. Every later snapshot also goes to
    /// <paramref name="observer"/>, which is completed when the flow ends.
    /// </summary>
    public async Task<AppConversationStartTask> BeginAsync(string? userId, AppConversationStartRequest request,
        ChannelWriter<AppConversationStartTask>? observer, CancellationToken cancellationToken, StartExtras? extras = null)
    {
        var now = time.GetUtcNow();
        var task = new AppConversationStartTask
        {
            Id = Ids.Hex(Guid.NewGuid()),
            CreatedByUserId = userId,
            Status = AppConversationStartTaskStatus.Working,
            Request = request,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await tasks.SaveAsync(task, cancellationToken);
        if (!background.Run("start a conversation", token => flow.RunAsync(task, observer, token, extras)))
            observer?.TryComplete(); // stopping: the task is settled at the next start
        return task;
    }

    public async Task RecoverAsync(CancellationToken cancellationToken = default)
    {
        foreach (var task in await tasks.ListUnfinishedAsync(cancellationToken))
        {
            var step = StartTaskRepository.StatusName(task.Status);
            LogInterrupted(logger, task.Id, step);
            await tasks.SaveAsync(task with
            {
                Status = AppConversationStartTaskStatus.Error,
                Detail = $"{step}: the app server stopped while this conversation was starting; start it again.",
                UpdatedAt = time.GetUtcNow(),
            }, cancellationToken);
        }
        await delivery.RecoverAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start task {TaskId} was interrupted at {Step} by a restart; marking it ERROR")]
    private static partial void LogInterrupted(ILogger logger, string taskId, string step);
}
