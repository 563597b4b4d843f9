using Deckhand.AppServer.AppConversations;
using Deckhand.Client;
using Deckhand.V0.ConversationRoutes;
using Deckhand.V0.Events;

namespace Deckhand.V0.Sockets;

/// <summary>
/// Carries out what a V0 client asked for (spec §3.4) on the conversation's agent-server: a message (run at once),
/// stop (interrupt), pause, resume (run), or the answer to a pending confirmation. The result comes back as events.
/// </summary>
public sealed class V0ClientCommands(ConversationTargets targets)
{
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Null when the agent-server took it; otherwise the text for the client's error toast.</summary>
    public async Task<string?> ExecuteAsync(Guid conversationId, V0Command command, CancellationToken cancellationToken)
    {
        var target = await targets.FindAsync(null, conversationId, AgentTimeout, cancellationToken);
        if (target is null)
            return "The conversation no longer exists.";
        if (target.Agent is not { } agent)
            return $"The conversation's sandbox is {target.Status.ToString().ToUpperInvariant()}, not running; start the conversation first.";
        try
        {
            await V0CommandRunner.RunAsync(agent, conversationId, command, cancellationToken);
            return null;
        }
        catch (AgentServerException ex)
        {
            return $"The agent server refused it: {ex.Detail}";
        }
        catch (HttpRequestException ex)
        {
            return $"The agent server could not be reached: {ex.Message}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "The agent server did not answer in time.";
        }
    }
}
