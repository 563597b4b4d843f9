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

    /// <summary>The event's wire JSON (UTF-8, nulls omitted) when already known, so fan-out serializes once.</summary>
    public byte[]? Utf8Json { get; init; }
}

/// <summary>An event as stored: its seq and its wire JSON, for streaming without deserializing.</summary>
public readonly record struct RawEvent(long Seq, byte[] Utf8Json);
