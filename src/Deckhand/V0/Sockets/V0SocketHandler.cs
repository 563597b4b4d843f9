using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Settings;
using Deckhand.Contracts.AppServer;
using Deckhand.V0.Events;
using Deckhand.V0.SocketIo;

namespace Deckhand.V0.Sockets;

/// <summary>
/// The V0 conversation socket (spec §3.3-3.4): checks the handshake, replays the conversation's history after
/// <c>latest_event_id</c> with its current agent state, joins the socket to the conversation's room for live events,
/// and turns <c>oh_user_action</c> / <c>oh_action</c> into agent-server calls. Unlike upstream, an unknown conversation
/// is refused, not created.
/// </summary>
public sealed partial class V0SocketHandler(
    AppServerOptions options, ConversationTargets targets, ISettingsRepository settings, SandboxService sandboxes,
    Func<V0ConversationRooms> roomsFactory, V0ClientCommands commands, ILogger<V0SocketHandler> logger) : ISocketIoHandler
{
    // Resolved on first use: the rooms emit through the socket.io server, which is built around this handler.
    private V0ConversationRooms? _rooms;

    private V0ConversationRooms Rooms => _rooms ??= roomsFactory();

    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(10);
    private static readonly HashSet<string> Providers = ["github", "gitlab", "bitbucket", "enterprise_sso"];

    public async ValueTask<SocketIoConnectResult> OnConnectAsync(SocketIoSocket socket, CancellationToken cancellationToken)
    {
        var handshake = socket.Handshake;
        if (Present(handshake.Get("conversation_id")) is not { } rawId)
            return SocketIoConnectResult.Refuse("No conversation_id in query params");
        if (!Guid.TryParse(rawId, out var conversationId))
            return SocketIoConnectResult.Refuse($"Invalid conversation_id '{rawId}': expected a UUID.");
        if (!KeyMatches(Present(handshake.Get("session_api_key")) ?? Present(handshake.Headers["X-Session-API-Key"].ToString())))
            return SocketIoConnectResult.Refuse("invalid_session_api_key");
        var unknownProvider = (handshake.Get("providers_set") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(p => !Providers.Contains(p));
        if (unknownProvider is not null)
            return SocketIoConnectResult.Refuse($"Unknown provider '{unknownProvider}' in providers_set; expected github, gitlab, bitbucket or enterprise_sso.");
        var latestEventId = V0Delivery.ParseLatestEventId(handshake.Get("latest_event_id"));

        var target = await targets.FindAsync(null, conversationId, AgentTimeout, cancellationToken);
        if (target is null)
            return SocketIoConnectResult.Refuse($"Conversation {conversationId:N} not found");
        if (await settings.GetAsync(null, cancellationToken) is null)
            return SocketIoConnectResult.Refuse("Settings not found",
                JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["msg_id"] = "CONFIGURATION$SETTINGS_NOT_FOUND" },
                    Contracts.Json.DeckhandJson.Wire.IReadOnlyDictionaryStringString));

        // Upstream's connect starts a stopped agent loop; here, a paused sandbox is resumed.
        if (target.Status == SandboxStatus.Paused && target.Sandbox is { } sandbox)
            target = await ResumeAsync(sandbox, target, cancellationToken);

        V0ConversationRoom room;
        try
        {
            room = await Rooms.AcquireAsync(conversationId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogJoinFailed(logger, conversationId, ex);
            return SocketIoConnectResult.Refuse("Failed to join conversation");
        }
        try
        {
            var sentState = await room.AttachAsync(socket, latestEventId, cancellationToken);
            // The input only works once the client knows the agent state: send one if neither the replay nor the client has it.
            if (!sentState && room.LastAgentState is null)
                await room.SendStateIfNoneAsync(socket, await CurrentStateAsync(target, room, cancellationToken), cancellationToken);
        }
        catch
        {
            socket.Leave(V0Rooms.Room(conversationId));
            await Rooms.ReleaseAsync(room);
            throw;
        }
        socket.State = new V0SocketState(conversationId, room);
        return SocketIoConnectResult.Accept;
    }

    public async ValueTask OnEventAsync(SocketIoSocket socket, string eventName, IReadOnlyList<JsonElement> args, CancellationToken cancellationToken)
    {
        if (eventName is not ("oh_user_action" or "oh_action") || socket.State is not V0SocketState state)
            return;
        var parsed = args.Count == 0
            ? V0ParseResult.Fail("Expected an event object such as {\"action\":\"message\",\"args\":{\"content\":\"...\"}}.")
            : V0ClientActions.Parse(args[0]);
        var error = parsed.Command is { } command
            ? await commands.ExecuteAsync(state.ConversationId, command, cancellationToken)
            : parsed.Error;
        if (error is not null)
            socket.Emit("oh_event", V0Payloads.Error(error));
    }

    public async ValueTask OnDisconnectAsync(SocketIoSocket socket, string reason)
    {
        if (socket.State is V0SocketState state)
            await Rooms.ReleaseAsync(state.Room);
    }

    private async Task<ConversationTarget> ResumeAsync(SandboxRecord sandbox, ConversationTarget target, CancellationToken cancellationToken)
    {
        try
        {
            await sandboxes.ResumeAsync(null, sandbox.Id, cancellationToken);
            return await targets.FindAsync(null, target.Id, AgentTimeout, cancellationToken) ?? target;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The history still replays; messages will say the sandbox is not running.
            LogResumeFailed(logger, target.Id, sandbox.Id, ex);
            return target;
        }
    }

    /// <summary>The agent state from the agent-server's execution status (<c>loading</c> while it cannot tell).</summary>
    private static async Task<V0Event> CurrentStateAsync(ConversationTarget target, V0ConversationRoom room, CancellationToken cancellationToken)
    {
        var state = V0AgentStates.Loading;
        if (target.Agent is { } agent)
        {
            try
            {
                if (await agent.GetConversationAsync(target.Id, cancellationToken) is { } info)
                    state = V0AgentStates.From(info.ExecutionStatus) ?? V0AgentStates.Loading;
            }
            catch (Exception ex) when (ex is Client.AgentServerException or HttpRequestException or JsonException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
            }
        }
        // Not a stored event: it takes the id of the last one, so a reconnect's latest_event_id stays correct.
        return V0Projector.AgentStateChanged(state, id: room.LastId) with { Source = "agent" };
    }

    private bool KeyMatches(string? presented)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
            return true;
        return presented is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(options.ApiKey));
    }

    /// <summary>The value, or null when absent, empty or the literal <c>null</c>/<c>undefined</c> a JS client sends for none.</summary>
    private static string? Present(string? value) => value is null or "" or "null" or "undefined" ? null : value;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A V0 socket could not join conversation {ConversationId}.")]
    private static partial void LogJoinFailed(ILogger logger, Guid conversationId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connecting to conversation {ConversationId} could not resume sandbox {SandboxId}.")]
    private static partial void LogResumeFailed(ILogger logger, Guid conversationId, string sandboxId, Exception exception);
}

/// <summary>What a connected V0 socket follows.</summary>
internal sealed record V0SocketState(Guid ConversationId, V0ConversationRoom Room);
