using System.Text.Json;

namespace Deckhand.AppServer.Events;

/// <summary>
/// An event as the app server keeps it: the agent-server's JSON verbatim (unknown kinds included, spec §11.2) and the
/// fields it is searched by.
/// </summary>
public sealed record ReceivedEvent(string Id, string Kind, string Timestamp, string Json)
{
    /// <summary>Reads one element of a webhook's event array; null (with the reason) when it is not an event.</summary>
    public static ReceivedEvent? From(JsonElement element, out string? problem)
    {
        problem = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            problem = "Each event must be a JSON object.";
            return null;
        }
        if (!element.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 and <= 200 } idText)
        {
            problem = "Each event needs an \"id\" string.";
            return null;
        }
        if (!element.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() is not { Length: > 0 and <= 200 } kindText)
        {
            problem = "Each event needs a \"kind\" string.";
            return null;
        }
        var timestamp = element.TryGetProperty("timestamp", out var time) && time.ValueKind == JsonValueKind.String ? time.GetString()! : "";
        return new ReceivedEvent(idText, kindText, timestamp, element.GetRawText());
    }
}

/// <summary>Filters of the V1 events search and count (spec §1 rows 17-18).</summary>
public sealed record EventFilter
{
    public Guid? ConversationId { get; init; }
    public string? Kind { get; init; }
    /// <summary>Naive ISO time, compared with event timestamps as text (both in the agent-server's local time).</summary>
    public string? TimestampGte { get; init; }
    public string? TimestampLt { get; init; }
}

/// <summary>An event as stored in the app server's copy, with its <c>seq</c> there (gap-free from 1 per conversation).</summary>
public sealed record StoredCopy(long Seq, ReceivedEvent Event);
