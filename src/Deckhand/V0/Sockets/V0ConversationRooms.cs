using Deckhand.AppServer.Events;

namespace Deckhand.V0.Sockets;

/// <summary>
/// The <see cref="V0ConversationRoom"/>s of conversations that have V0 sockets: created by the first socket, ended with
/// the last one (which also ends reading the sandbox's event socket).
/// </summary>
public sealed class V0ConversationRooms(ConversationEventStore store, LiveEventFeed feed, V0Rooms rooms, V0AgentFollower follower,
    ILogger<V0ConversationRoom> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, V0ConversationRoom> _open = [];

    /// <summary>Rooms open now (tests, diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _open.Count;
        }
    }

    /// <summary>Holds the conversation's room (creating it if needed) and waits until it is ready; release it with <see cref="ReleaseAsync"/>.</summary>
    public async Task<V0ConversationRoom> AcquireAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        V0ConversationRoom room;
        lock (_lock)
        {
            if (!_open.TryGetValue(conversationId, out room!))
            {
                room = new V0ConversationRoom(conversationId, store, rooms, logger);
                _open[conversationId] = room;
                room.Start(feed, ct => follower.FollowAsync(conversationId, ct));
            }
            room.References++;
        }
        try
        {
            await room.Ready.WaitAsync(cancellationToken);
            return room;
        }
        catch
        {
            await ReleaseAsync(room);
            throw;
        }
    }

    public async Task ReleaseAsync(V0ConversationRoom room)
    {
        lock (_lock)
        {
            if (--room.References > 0)
                return;
            _open.Remove(room.ConversationId);
        }
        await room.DisposeAsync();
    }
}
