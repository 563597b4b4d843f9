using Deckhand.Client;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Llm;
using Deckhand.V0.Events;

namespace Deckhand.V0.ConversationRoutes;

/// <summary>Carries out a parsed V0 client command on the conversation's agent-server.</summary>
public static class V0CommandRunner
{
    /// <summary>Throws <see cref="AgentServerException"/> or <see cref="HttpRequestException"/> when the agent-server does not take it.</summary>
    public static Task RunAsync(AgentServerClient agent, Guid conversationId, V0Command command, CancellationToken cancellationToken) =>
        command switch
        {
            V0SendMessage message => agent.SendMessageAsync(conversationId, Message(message), cancellationToken),
            V0StopAgent => agent.InterruptAsync(conversationId, cancellationToken),
            V0PauseAgent => agent.PauseAsync(conversationId, cancellationToken),
            V0ResumeAgent => agent.RunAsync(conversationId, cancellationToken),
            V0ConfirmationAnswer answer => agent.RespondToConfirmationAsync(conversationId, answer.Confirmed,
                answer.Confirmed ? null : "The user rejected the action.", cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown V0 command."),
        };

    /// <summary>
    /// A V0 user message as an agent-server message that runs the agent: the text, the images as one image part, and the
    /// attached file paths (uploaded earlier through <c>upload-files</c>) named in a last text part.
    /// </summary>
    public static SendMessageRequest Message(V0SendMessage message)
    {
        List<ContentItem> content = [new TextContent(message.Content)];
        if (message.ImageUrls.Count > 0)
            content.Add(new ImageContent(message.ImageUrls));
        if (message.FileUrls.Count > 0)
            content.Add(new TextContent("Attached files: " + string.Join(", ", message.FileUrls)));
        return new SendMessageRequest { Role = MessageRole.User, Content = content, Run = true };
    }
}
