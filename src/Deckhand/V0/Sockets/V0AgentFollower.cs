using System.Net.WebSockets;
using System.Text.Json;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.Events;
using Deckhand.Client;

namespace Deckhand.V0.Sockets;

/// <summary>
/// While a V0 room has sockets, reads the conversation's events straight from its sandbox's agent-server
/// (<c>/sockets/events/{id}</c>, resuming after the last event the app server has) and ingests them like a webhook
/// would, so live events reach V0 clients without the webhook's flush delay. Both paths store each event once.
/// Reconnects (after a short pause) while the room lives; a sandbox that is not running is simply waited for.
/// </summary>
public sealed partial class V0AgentFollower(ConversationTargets targets, ConversationEventStore store, EventIngest ingest,
    ILogger<V0AgentFollower> logger)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(10);

    public async Task FollowAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var resendAll = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var target = await targets.FindAsync(null, conversationId, AgentTimeout, cancellationToken);
                if (target is null)
                    return;
                if (target.Agent is { } agent)
                    resendAll = await ReadAsync(agent, conversationId, resendAll, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or JsonException or AgentServerException
                                       or OperationCanceledException or IOException)
            {
                LogFollowFailed(logger, conversationId, ex.Message);
            }
            catch (Exception ex)
            {
                // Storage failures and the like: the webhook path still delivers; keep trying quietly.
                LogFollowFailed(logger, conversationId, ex.Message);
            }
            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One connection: ingests what it reads until it closes; returns whether the next one must replay everything.</summary>
    private async Task<bool> ReadAsync(AgentServerClient agent, Guid conversationId, bool resendAll, CancellationToken cancellationToken)
    {
        var after = resendAll ? null : await store.LastEventIdAsync(conversationId, cancellationToken);
        var options = after is null ? new EventSocketOptions { ResendAll = true } : new EventSocketOptions { AfterEventId = after };
        await using var socket = await agent.ConnectEventsAsync(conversationId, options, cancellationToken);
        while (await socket.ReadTextAsync(cancellationToken) is { } text)
        {
            if (Parse(text) is { } received)
                await ingest.IngestAsync(conversationId, [received], cancellationToken);
        }
        // The agent-server does not know our last event (it should): replay everything next time, stored ones are skipped.
        return socket.CloseStatus == WebSocketCloseStatus.PolicyViolation
            && socket.CloseStatusDescription?.Contains("after_event_id", StringComparison.Ordinal) == true;
    }

    /// <summary>A stored event from a socket frame; null for transient frames (state snapshots, streaming deltas) and junk.</summary>
    internal static ReceivedEvent? Parse(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
        using var owned = document;
        var root = document.RootElement;
        if (ReceivedEvent.From(root, out _) is not { } received)
            return null;
        if (received.Kind == "StreamingDeltaEvent")
            return null;
        if (received.Kind == "ConversationStateUpdateEvent" && root.TryGetProperty("key", out var key)
            && key.ValueKind == JsonValueKind.String && key.GetString() == "full_state")
            return null;
        return received;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Following the agent-server events of conversation {ConversationId} failed: {Reason}")]
    private static partial void LogFollowFailed(ILogger logger, Guid conversationId, string reason);
}
