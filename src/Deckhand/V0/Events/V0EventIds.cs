using System.Collections.Concurrent;

namespace Deckhand.V0.Events;

/// <summary>
/// The V0 numeric ids of one conversation's events: V0 clients resume by number (<c>latest_event_id</c>), Deckhand events
/// have string ids. The app server keeps a persisted implementation (a per-conversation counter plus the pairs it handed out).
/// </summary>
public interface IV0EventIds
{
    /// <summary>The V0 id of <paramref name="eventId"/>, handing out the next number (strictly increasing) the first time.</summary>
    long Assign(string eventId);

    /// <summary>The V0 id <paramref name="eventId"/> got earlier, or null when it never got one.</summary>
    long? Find(string eventId);
}

/// <summary>An in-memory <see cref="IV0EventIds"/>, starting at <paramref name="next"/> (0 for a new conversation).</summary>
public sealed class V0EventIds(long next = 0) : IV0EventIds
{
    private readonly ConcurrentDictionary<string, long> _ids = new();
    private readonly Lock _lock = new();
    private long _next = next;

    /// <summary>The number the next new event will get.</summary>
    public long Next
    {
        get
        {
            lock (_lock)
                return _next;
        }
    }

    public long Assign(string eventId)
    {
        lock (_lock)
        {
            if (_ids.TryGetValue(eventId, out var id))
                return id;
            id = _next++;
            _ids[eventId] = id;
            return id;
        }
    }

    public long? Find(string eventId) => _ids.TryGetValue(eventId, out var id) ? id : null;
}
