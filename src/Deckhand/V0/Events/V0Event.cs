using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Deckhand.V0.Events;

/// <summary>
/// One OpenHands V0 event (spec §4): an <c>action</c> with <c>args</c> or an <c>observation</c> with <c>content</c>/<c>extras</c>.
/// Written by <see cref="WriteTo"/> with the envelope keys in OpenHands' order; a null envelope value is left out, as
/// <c>event_to_dict</c> does, while <c>args</c>/<c>extras</c> always carry every field (nulls included).
/// </summary>
public sealed record V0Event
{
    /// <summary>The numeric V0 id; null only for ad-hoc events that are never stored (the closing <c>stopped</c> state).</summary>
    public long? Id { get; init; }

    /// <summary>Naive local ISO-8601 time (<c>2025-11-15T09:43:21.123456</c>).</summary>
    public required string Timestamp { get; init; }

    /// <summary><c>agent</c>, <c>user</c> or <c>environment</c>.</summary>
    public required string Source { get; init; }

    public required string Message { get; init; }

    /// <summary>The V0 id of the action an observation answers.</summary>
    public long? Cause { get; init; }

    /// <summary>The action type (actions only), e.g. <c>run</c>.</summary>
    public string? Action { get; init; }

    /// <summary>The observation type (observations only), e.g. <c>agent_state_changed</c>.</summary>
    public string? Observation { get; init; }

    public JsonObject? ToolCallMetadata { get; init; }

    public JsonObject? LlmMetrics { get; init; }

    /// <summary>Every field of the action (actions only).</summary>
    public JsonObject? Args { get; init; }

    /// <summary>Hard timeout in seconds (actions only, when set).</summary>
    public double? Timeout { get; init; }

    /// <summary>Observation text (observations only).</summary>
    public string? Content { get; init; }

    /// <summary>Every field of the observation except its content (observations only).</summary>
    public JsonObject? Extras { get; init; }

    /// <summary>Top-level <c>success</c> (only <c>run</c> and <c>run_ipython</c> observations).</summary>
    public bool? Success { get; init; }

    /// <summary>The action or observation type.</summary>
    public string Type => Action ?? Observation ?? "";

    public bool IsAction => Action is not null;

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (Id is { } id)
            writer.WriteNumber("id", id);
        writer.WriteString("timestamp", Timestamp);
        writer.WriteString("source", Source);
        writer.WriteString("message", Message);
        if (Cause is { } cause)
            writer.WriteNumber("cause", cause);
        if (Action is not null)
            writer.WriteString("action", Action);
        if (Observation is not null)
            writer.WriteString("observation", Observation);
        WriteNode(writer, "tool_call_metadata", ToolCallMetadata);
        WriteNode(writer, "llm_metrics", LlmMetrics);
        if (Action is not null)
        {
            WriteNode(writer, "args", Args ?? []);
            if (Timeout is { } timeout)
                writer.WriteNumber("timeout", timeout);
        }
        else
        {
            writer.WriteString("content", Content ?? "");
            WriteNode(writer, "extras", Extras ?? []);
            if (Success is { } success)
                writer.WriteBoolean("success", success);
        }
        writer.WriteEndObject();
    }

    public byte[] ToUtf8Json()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
            WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToUtf8Json());

    private static void WriteNode(Utf8JsonWriter writer, string name, JsonNode? node)
    {
        if (node is null)
            return;
        writer.WritePropertyName(name);
        node.WriteTo(writer);
    }
}
