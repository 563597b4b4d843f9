using System.Text.Json;
using Deckhand.AppServer.EventCallbacks;
using Deckhand.AppServer.Webhooks;

namespace Deckhand.AppServer.Events;

/// <summary>
/// The one way events of a conversation enter the app server, whether a sandbox's webhook posted them or the app server
/// read them from the sandbox's event socket (V0 rooms): stored once each (<see cref="ConversationEventStore"/> is
/// idempotent on the event id), published to the <see cref="LiveEventFeed"/> in <c>seq</c> order, usage totals
/// refreshed, and callbacks scheduled, all only for the events not stored before.
/// </summary>
public sealed class EventIngest(ConversationEventStore store, LiveEventFeed feed, ConversationMetadataUpdates metadata, EventCallbackService callbacks)
{
    public LiveEventFeed Feed => feed;

    /// <summary>Stores and fans out the new ones among <paramref name="events"/>; returns those.</summary>
    public async Task<IReadOnlyList<StoredCopy>> IngestAsync(Guid conversationId, IReadOnlyList<ReceivedEvent> events,
        CancellationToken cancellationToken = default)
    {
        var stored = await store.AppendAsync(conversationId, events, copies => feed.Publish(conversationId, copies), cancellationToken);
        if (stored.Count == 0)
            return stored;
        if (LatestStats(stored) is { } usage)
            await metadata.ApplyUsageAsync(conversationId, usage, cancellationToken);
        callbacks.OnEventsStored(conversationId, [.. stored.Select(s => s.Event)]);
        return stored;
    }

    /// <summary>The usage in the last <c>stats</c> (or <c>full_state</c>) state update among the events, if any.</summary>
    private static UsageTotals? LatestStats(IReadOnlyList<StoredCopy> events)
    {
        for (var i = events.Count - 1; i >= 0; i--)
        {
            var e = events[i].Event;
            if (e.Kind != "ConversationStateUpdateEvent" || !e.Json.Contains("\"stats\"", StringComparison.Ordinal))
                continue;
            using var document = JsonDocument.Parse(e.Json);
            var root = document.RootElement;
            if (!root.TryGetProperty("value", out var value))
                continue;
            var key = root.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            var stats = key switch
            {
                "stats" => value,
                "full_state" when value.ValueKind == JsonValueKind.Object && value.TryGetProperty("stats", out var s) => s,
                _ => default,
            };
            if (stats.ValueKind == JsonValueKind.Object && UsageTotals.From(stats) is { } usage)
                return usage;
        }
        return null;
    }
}
