using System.Text.Json;

namespace Deckhand.Testing.Llm;

/// <summary>Writes Anthropic Messages bodies: the message, its content blocks, usage and the error envelope.</summary>
internal static class AnthropicJson
{
    /// <summary>Anthropic's <c>stop_reason</c> for a reply: the OpenAI finish reasons scripts use, translated.</summary>
    public static string StopReason(ScriptedReply reply) => reply.EffectiveFinishReason switch
    {
        "stop" => "end_turn",
        "tool_calls" => "tool_use",
        "length" => "max_tokens",
        "content_filter" => "refusal",
        var other => other,
    };

    /// <summary>Anthropic's <c>error.type</c> for an HTTP status.</summary>
    public static string ErrorType(int statusCode) => statusCode switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 or 503 => "overloaded_error",
        _ => "api_error",
    };

    public static void WriteMessage(Utf8JsonWriter writer, ResolvedReply resolved)
    {
        var reply = resolved.Reply;
        writer.WriteStartObject();
        WriteMessageHeader(writer, resolved);
        writer.WriteStartArray("content");
        if (reply.NoChoices)
        {
            writer.WriteEndArray();
            writer.WriteString("stop_reason", "end_turn");
            writer.WriteNull("stop_sequence");
            WriteUsage(writer, reply.Usage, reply.Usage.CompletionTokens);
            writer.WriteEndObject();
            return;
        }

        foreach (var block in reply.ThinkingBlocks)
        {
            WriteThinking(writer, block, streaming: false);
        }

        if (!string.IsNullOrEmpty(reply.Content))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("text", reply.Content);
            writer.WriteEndObject();
        }

        for (var i = 0; i < reply.Calls.Count; i++)
        {
            WriteToolUseStart(writer, reply.Calls[i], resolved.CallIds[i], withInput: true);
        }

        writer.WriteEndArray();
        writer.WriteString("stop_reason", StopReason(reply));
        writer.WriteNull("stop_sequence");
        WriteUsage(writer, reply.Usage, reply.Usage.CompletionTokens);
        writer.WriteEndObject();
    }

    /// <summary>id, type, role and model: the fields a message and the <c>message_start</c> event share.</summary>
    public static void WriteMessageHeader(Utf8JsonWriter writer, ResolvedReply resolved)
    {
        writer.WriteString("id", resolved.Id);
        writer.WriteString("type", "message");
        writer.WriteString("role", "assistant");
        writer.WriteString("model", resolved.Model);
    }

    /// <summary>A <c>tool_use</c> block; streaming starts it with an empty <c>input</c> and sends the JSON in deltas.</summary>
    public static void WriteToolUseStart(Utf8JsonWriter writer, ScriptedToolCall call, string id, bool withInput)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "tool_use");
        writer.WriteString("id", id);
        writer.WriteString("name", call.Name);
        writer.WritePropertyName("input");
        if (withInput && IsJsonObject(call.Arguments))
        {
            writer.WriteRawValue(call.Arguments);
        }
        else
        {
            // Anthropic's input is always an object; malformed scripted arguments can only reach a client by streaming.
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// A <c>thinking</c> block (text and signature) or a <c>redacted_thinking</c> block (data). Streaming starts a
    /// thinking block empty and sends its text and signature in deltas.
    /// </summary>
    public static void WriteThinking(Utf8JsonWriter writer, ScriptedThinking block, bool streaming)
    {
        writer.WriteStartObject();
        if (block.RedactedData is { } data)
        {
            writer.WriteString("type", "redacted_thinking");
            writer.WriteString("data", data);
        }
        else
        {
            writer.WriteString("type", "thinking");
            writer.WriteString("thinking", streaming ? "" : block.Thinking);
            writer.WriteString("signature", streaming ? "" : block.Signature ?? "");
        }

        writer.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter writer, ScriptedUsage usage, int outputTokens)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("input_tokens", usage.UncachedInputTokens);
        writer.WriteNumber("cache_creation_input_tokens", usage.CacheWriteTokens);
        writer.WriteNumber("cache_read_input_tokens", usage.CachedTokens);
        writer.WriteNumber("output_tokens", outputTokens);
        writer.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter writer, ScriptedError error)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "error");
        writer.WriteStartObject("error");
        writer.WriteString("type", ErrorType(error.StatusCode));
        writer.WriteString("message", error.Message);
        writer.WriteEndObject();
        writer.WriteString("request_id", "req_scripted_error");
        writer.WriteEndObject();
    }

    private static bool IsJsonObject(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
