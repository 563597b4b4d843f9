using Deckhand.AppServer;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.EventCallbacks;
using Deckhand.V0.Events;
using Deckhand.V0.Sockets;

namespace Deckhand.V0.Conversations;

/// <summary>Pushes a title the SetTitle callback gave a V0 conversation to its sockets, as a rename does (V0 spec §5.3).</summary>
public sealed class V0TitleListener(AppConversationInfoRepository conversations, V0Rooms rooms) : IConversationTitleListener
{
    public async Task OnTitleChangedAsync(Guid conversationId, string title, CancellationToken cancellationToken)
    {
        if ((await conversations.FindAnyAsync(null, conversationId, cancellationToken))?.Version == V0ConversationService.Version)
            rooms.Emit(conversationId, V0Payloads.TitleUpdate(Ids.Hex(conversationId), title));
    }
}
