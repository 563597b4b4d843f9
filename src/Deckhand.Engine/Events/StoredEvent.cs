using Deckhand.Contracts.Events;

namespace Deckhand.Engine.Events;

/// <summary>
/// An event with its place in the conversation's log. <see cref="Seq"/> is gap-free from 1 and never leaves the server
/// inside event JSON; transient events (full-state snapshots, streaming deltas) carry <see cref="Transient"/> (0).
/// </summary>
public sealed record StoredEvent(long Seq, Event Event)
{
    public const long Transient = 0;

    public bool IsTransient => Seq == Transient;
}
