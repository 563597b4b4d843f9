using Deckhand.Contracts.Events;

namespace Deckhand.V0.Events;

/// <summary>
/// One conversation's V0 view, built from the app server's event copy in arrival order. The V0 id of an event is its
/// <c>seq</c> in that copy minus one (gap-free, from 0), so every reader (replay, live sockets, <c>/events</c>,
/// <c>/trajectory</c>) hands out the same numbers without storing a mapping; events with no V0 form leave a gap.
/// Not thread-safe: one caller at a time.
/// </summary>
public sealed class V0Projection
{
    private readonly SeqIds _ids = new();
    private readonly V0Projector _projector;

    public V0Projection(string? serverVersion = null) => _projector = new V0Projector(_ids, serverVersion);

    /// <summary>The <c>seq</c> of the last event added (0 before any).</summary>
    public long LastSeq { get; private set; }

    /// <summary>The V0 id events with this <c>seq</c> get.</summary>
    public static long IdOf(long seq) => seq - 1;

    /// <summary>
    /// Folds in the next stored event (its <c>seq</c> must be larger than the last one's) and returns its V0 form, or null
    /// when V0 has none.
    /// </summary>
    public V0Event? Add(long seq, Event e)
    {
        if (seq <= LastSeq)
            throw new ArgumentOutOfRangeException(nameof(seq), seq, $"Events must be added in seq order (last was {LastSeq}).");
        _ids.Set(e.Id, IdOf(seq));
        LastSeq = seq;
        return _projector.Project(e);
    }

    private sealed class SeqIds : IV0EventIds
    {
        private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);

        public void Set(string eventId, long id) => _ids[eventId] = id;

        public long Assign(string eventId) =>
            _ids.TryGetValue(eventId, out var id) ? id : throw new InvalidOperationException($"Event {eventId} was not added before it was projected.");

        public long? Find(string eventId) => _ids.TryGetValue(eventId, out var id) ? id : null;
    }
}
