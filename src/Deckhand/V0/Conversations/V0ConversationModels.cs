using System.Globalization;
using System.Text.Json.Serialization;

namespace Deckhand.V0.Conversations;

/// <summary>OpenHands' <c>ConversationInfo</c> (V0 spec §2.1), for V0 rows and, through the §9.1 shim, V1 rows.</summary>
public sealed record V0ConversationInfo
{
    public required string ConversationId { get; init; }
    public required string Title { get; init; }
    public string? LastUpdatedAt { get; init; }
    public required string Status { get; init; }
    public string? RuntimeStatus { get; init; }
    public string? SelectedRepository { get; init; }
    public string? SelectedBranch { get; init; }
    public string? GitProvider { get; init; }
    public string? Trigger { get; init; }
    public int NumConnections { get; init; }
    public string? Url { get; init; }
    public string? SessionApiKey { get; init; }
    public required string CreatedAt { get; init; }
    public IReadOnlyList<int> PrNumber { get; init; } = [];
    public required string ConversationVersion { get; init; }
    public IReadOnlyList<string> SubConversationIds { get; init; } = [];
}

/// <summary><c>{"results": [...], "next_page_id": ...}</c>.</summary>
public sealed record V0ConversationInfoResultSet(IReadOnlyList<V0ConversationInfo> Results, string? NextPageId);

/// <summary><c>ConversationResponse</c> of create, start and stop (V0 spec §2.2).</summary>
public sealed record V0ConversationResponse(string Status, string ConversationId, string? Message, string? ConversationStatus);

/// <summary><c>{"status":"error","message":..,"msg_id":..}</c>: the create and rename errors.</summary>
public sealed record V0MessageError(string Message, string MsgId)
{
    [JsonPropertyOrder(-1)]
    public string Status => "error";
}

/// <summary><c>{"status":"error","conversation_id":..[,"message":..]}</c>: the start and stop errors.</summary>
public sealed record V0ConversationError(string ConversationId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message)
{
    [JsonPropertyOrder(-1)]
    public string Status => "error";
}

/// <summary>The <c>PATCH</c> body: <c>{"title": ...}</c>.</summary>
public sealed record V0TitleBody(string Title);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(V0ConversationInfo))]
[JsonSerializable(typeof(V0ConversationInfoResultSet))]
[JsonSerializable(typeof(V0ConversationResponse))]
[JsonSerializable(typeof(V0MessageError))]
[JsonSerializable(typeof(V0ConversationError))]
[JsonSerializable(typeof(bool))]
internal sealed partial class V0ConversationJson : JsonSerializerContext;

/// <summary>REST datetimes as pydantic writes UTC values: ISO-8601 with microseconds and <c>Z</c>.</summary>
public static class V0Dates
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
