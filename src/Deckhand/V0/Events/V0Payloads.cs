using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Events;

namespace Deckhand.V0.Events;

/// <summary>The non-event <c>oh_event</c> payloads (spec §3.5): status updates, title changes, error toasts.</summary>
public static class V0Payloads
{
    /// <summary><c>{"status_update":true,"type":"info"|"error","id":..,"message":..}</c>; <paramref name="id"/> is a RuntimeStatus or message id.</summary>
    public static byte[] StatusUpdate(string type, string id, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new V0StatusUpdate(type, id, message), V0JsonContext.Default.V0StatusUpdate);

    /// <summary><c>{"status_update":true,"type":"info","message":"&lt;CID&gt;","conversation_title":..}</c>: clients refetch the conversation.</summary>
    public static byte[] TitleUpdate(string conversationId, string title) =>
        JsonSerializer.SerializeToUtf8Bytes(new V0TitleUpdate(conversationId, title), V0JsonContext.Default.V0TitleUpdate);

    /// <summary><c>{"error":true,"message":..}</c>, shown as a toast.</summary>
    public static byte[] Error(string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new V0ErrorNotice(message), V0JsonContext.Default.V0ErrorNotice);

    /// <summary>The error status update for a conversation error, with the RuntimeStatus id V0 uses for that kind of failure.</summary>
    public static byte[] StatusUpdate(ConversationErrorEvent error) => StatusUpdate("error", StatusIdFor(error.Code), error.Detail);

    public static string StatusIdFor(string errorCode) => errorCode switch
    {
        "LLMAuthenticationError" => "STATUS$ERROR_LLM_AUTHENTICATION",
        "LLMServiceUnavailableError" or "LLMTimeoutError" or "APIError" => "STATUS$ERROR_LLM_SERVICE_UNAVAILABLE",
        "LLMRateLimitError" => "CHAT_INTERFACE$AGENT_RATE_LIMITED_STOPPED_MESSAGE",
        "LLMContentPolicyViolationError" or "ContentPolicyViolationError" => "STATUS$ERROR_LLM_CONTENT_POLICY_VIOLATION",
        "ServerRestarted" => "STATUS$ERROR_RUNTIME_DISCONNECTED",
        _ => "STATUS$ERROR",
    };
}

internal sealed record V0StatusUpdate(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("message")] string Message)
{
    [JsonPropertyName("status_update")]
    [JsonPropertyOrder(-1)]
    public bool IsStatusUpdate => true;
}

internal sealed record V0TitleUpdate(
    [property: JsonPropertyName("message")] string ConversationId,
    [property: JsonPropertyName("conversation_title")] string Title)
{
    [JsonPropertyName("status_update")]
    [JsonPropertyOrder(-2)]
    public bool IsStatusUpdate => true;

    [JsonPropertyName("type")]
    [JsonPropertyOrder(-1)]
    public string Type => "info";
}

internal sealed record V0ErrorNotice([property: JsonPropertyName("message")] string Message)
{
    [JsonPropertyName("error")]
    [JsonPropertyOrder(-1)]
    public bool IsError => true;
}

[JsonSerializable(typeof(V0StatusUpdate))]
[JsonSerializable(typeof(V0TitleUpdate))]
[JsonSerializable(typeof(V0ErrorNotice))]
internal sealed partial class V0JsonContext : JsonSerializerContext;
