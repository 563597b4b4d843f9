using Deckhand.AppServer.AppConversations;
using Deckhand.Client;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Llm;
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
            switch (command)
            {
                case V0SendMessage message:
                    await agent.SendMessageAsync(conversationId, new SendMessageRequest
                    {
                        Role = MessageRole.User,
                        Content = Content(message),
                        Run = true,
                    }, cancellationToken);
                    break;
                case V0StopAgent:
                    await agent.InterruptAsync(conversationId, cancellationToken);
                    break;
                case V0PauseAgent:
                    await agent.PauseAsync(conversationId, cancellationToken);
                    break;
                case V0ResumeAgent:
                    await agent.RunAsync(conversationId, cancellationToken);
                    break;
                case V0ConfirmationAnswer answer:
                    await agent.RespondToConfirmationAsync(conversationId, answer.Confirmed,
                        answer.Confirmed ? null : "The user rejected the action.", cancellationToken);
                    break;
            }
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

    /// <summary>The text, the images as one image part, and the attached file paths named in a last text part.</summary>
    private static List<ContentItem> Content(V0SendMessage message)
    {
        var content = new List<ContentItem> { new TextContent(message.Content) };
        if (message.ImageUrls.Count > 0)
            content.Add(new ImageContent(message.ImageUrls));
        if (message.FileUrls.Count > 0)
            content.Add(new TextContent("Attached files: " + string.Join(", ", message.FileUrls)));
        return content;
    }
}
