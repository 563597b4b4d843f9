using Deckhand.AppServer;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.Contracts.Conversations;
using Deckhand.V0.Sockets;

namespace Deckhand.V0.Conversations;

/// <summary>
/// Idle auto-stop (V0 spec §5.5): every <c>ConversationIdleSweepInterval</c>, running V0 conversations not updated for
/// <c>ConversationCloseDelay</c>, with no socket connected and an agent that is not running, are stopped. Each sweep
/// looks at most at <see cref="V0ConversationService.ScanLimit"/> conversations, newest first.
/// </summary>
public sealed partial class V0IdleSweeper(
    AppConversationInfoRepository conversations, V0ConversationService service, ConversationTargets targets, V0Rooms rooms,
    AppServerOptions options, TimeProvider time, ILogger<V0IdleSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ConversationIdleSweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, ex.GetType().Name, ex.Message);
            }
        }
    }

    /// <summary>One sweep; returns how many conversations it stopped.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var stopped = 0;
        var cutoff = time.GetUtcNow() - options.ConversationCloseDelay;
        var rows = await conversations.ListVersionAsync(null, V0ConversationService.Version, null, 0, V0ConversationService.ScanLimit, cancellationToken);
        foreach (var row in rows.Where(r => r.UpdatedAt <= cutoff && !string.IsNullOrEmpty(r.SandboxId)))
        {
            if (rooms.ConnectionCount(row.Id) > 0 || await service.StatusAsync(row, cancellationToken) != V0Status.Running)
                continue;
            if (await AgentRunningAsync(row.Id, cancellationToken))
                continue;
            LogIdle(logger, Ids.Hex(row.Id));
            await service.StopAsync(row, cancellationToken);
            stopped++;
        }
        return stopped;
    }

    /// <summary>True when the agent is running, or its state cannot be read (then it is left alone).</summary>
    private async Task<bool> AgentRunningAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            var target = await targets.FindAsync(null, id, TimeSpan.FromSeconds(10), cancellationToken);
            if (target?.Agent is not { } agent)
                return true;
            var info = (await agent.BatchGetConversationsAsync([id], cancellationToken)).FirstOrDefault();
            return info is null || info.ExecutionStatus == ExecutionStatus.Running;
        }
        catch (Exception ex) when (ex is Client.AgentServerException or HttpRequestException or System.Text.Json.JsonException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "V0 conversation {ConversationId} was idle past the close delay; stopping it")]
    private static partial void LogIdle(ILogger logger, string conversationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idle V0 conversation sweep failed: {Type}: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string type, string reason);
}
