using System.Globalization;
using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Events;

/// <summary>
/// Base of every event in a conversation's log. The JSON carries exactly OpenHands' fields
/// (<c>id</c>, <c>timestamp</c>, <c>source</c>, <c>parent_id</c>, <c>kind</c>): Deckhand's per-conversation
/// sequence number lives beside the event in storage, never inside it, because OpenHands clients reject unknown fields.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(SystemPromptEvent), nameof(SystemPromptEvent))]
[JsonDerivedType(typeof(MessageEvent), nameof(MessageEvent))]
[JsonDerivedType(typeof(ActionEvent), nameof(ActionEvent))]
[JsonDerivedType(typeof(ObservationEvent), nameof(ObservationEvent))]
[JsonDerivedType(typeof(UserRejectObservation), nameof(UserRejectObservation))]
[JsonDerivedType(typeof(AgentErrorEvent), nameof(AgentErrorEvent))]
[JsonDerivedType(typeof(PauseEvent), nameof(PauseEvent))]
[JsonDerivedType(typeof(InterruptEvent), nameof(InterruptEvent))]
[JsonDerivedType(typeof(CondensationRequest), nameof(CondensationRequest))]
[JsonDerivedType(typeof(Condensation), nameof(Condensation))]
[JsonDerivedType(typeof(CondensationSummaryEvent), nameof(CondensationSummaryEvent))]
[JsonDerivedType(typeof(ConversationStateUpdateEvent), nameof(ConversationStateUpdateEvent))]
[JsonDerivedType(typeof(ConversationErrorEvent), nameof(ConversationErrorEvent))]
[JsonDerivedType(typeof(LLMCompletionLogEvent), nameof(LLMCompletionLogEvent))]
[JsonDerivedType(typeof(StreamingDeltaEvent), nameof(StreamingDeltaEvent))]
[JsonDerivedType(typeof(TokenEvent), nameof(TokenEvent))]
[JsonDerivedType(typeof(HookExecutionEvent), nameof(HookExecutionEvent))]
[JsonDerivedType(typeof(ServerErrorEvent), nameof(ServerErrorEvent))]
public abstract record Event
{
    public string Id { get; set; } = NewId();

    /// <summary>Naive local ISO time with microseconds, as OpenHands writes it.</summary>
    public string Timestamp { get; set; } = Now();

    public EventSource Source { get; set; }

    public string? ParentId { get; set; }

    /// <summary>The <c>kind</c> discriminator value (the OpenHands class name).</summary>
    [JsonIgnore]
    public string Kind => GetType().Name;

    public static string NewId() => Guid.NewGuid().ToString();

    public static string Now() => FormatTimestamp(DateTime.Now);

    public static string FormatTimestamp(DateTime time) =>
        time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}

[JsonConverter(typeof(JsonStringEnumConverter<EventSource>))]
public enum EventSource
{
    [JsonStringEnumMemberName("agent")] Agent,
    [JsonStringEnumMemberName("user")] User,
    [JsonStringEnumMemberName("environment")] Environment,
    [JsonStringEnumMemberName("hook")] Hook,
}
