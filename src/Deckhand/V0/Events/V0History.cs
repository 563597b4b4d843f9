using System.Text.Json;
using Deckhand.AppServer.Events;
using Deckhand.Contracts.Json;

namespace Deckhand.V0.Events;

/// <summary>A conversation's stored events projected to V0 (ids from <see cref="V0Projection"/>), for replay and the REST routes.</summary>
public sealed class V0History(ConversationEventStore store)
{
    /// <summary>
    /// Every V0 event of the conversation in id order, and the projection that made them (ready to take the events that
    /// arrive next). Stored events that no longer parse are skipped, never fatal.
    /// </summary>
    public async Task<(IReadOnlyList<V0Event> Events, V0Projection Projection)> LoadAsync(Guid conversationId, CancellationToken cancellationToken = default)
    {
        var projection = new V0Projection();
        var events = new List<V0Event>();
        foreach (var (seq, json) in await store.ReadAfterAsync(conversationId, 0, cancellationToken))
        {
            if (Parse(json) is not { } e)
                continue;
            if (projection.Add(seq, e) is { } v0)
                events.Add(v0);
        }
        return (events, projection);
    }

    /// <summary>A stored event's JSON as a Deckhand event; null when it does not parse (a kind this build does not know).</summary>
    public static Contracts.Events.Event? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DeckhandJson.Wire.Event);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
