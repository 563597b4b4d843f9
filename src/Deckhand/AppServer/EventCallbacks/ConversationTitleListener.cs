namespace Deckhand.AppServer.EventCallbacks;

/// <summary>Told when a callback (SetTitle) gave a conversation its title, e.g. so the V0 facade can push it to sockets.</summary>
public interface IConversationTitleListener
{
    Task OnTitleChangedAsync(Guid conversationId, string title, CancellationToken cancellationToken);
}
