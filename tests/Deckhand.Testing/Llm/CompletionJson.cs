using System.Buffers;
using System.Text.Json;

namespace Deckhand.Testing.Llm;

/// <summary>Writes the non-streaming OpenAI Chat Completions bodies: completion, error and model list.</summary>
internal static class CompletionJson
{
    public static ReadOnlyMemory<byte> Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenMemory;
    }

    public static void WriteCompletion(Utf8JsonWriter writer, ResolvedReply resolved)
    {
        var reply = resolved.Reply;
        writer.WriteStartObject();
        writer.WriteString("id", resolved.Id);
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", resolved.Created);
        writer.WriteString("model", resolved.Model);
        writer.WriteStartArray("choices");
        if (reply.NoChoices)
        {
            writer.WriteEndArray();
            WriteUsage(writer, reply.Usage);
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("message");
        writer.WriteString("role", "assistant");
        writer.WriteString("content", reply.Content);
        writer.WriteNull("refusal");
        if (reply.ReasoningContent is { } reasoning)
        {
            writer.WriteString("reasoning_content", reasoning);
        }
        if (reply.Calls.Count > 0)
        {
            writer.WriteStartArray("tool_calls");
            for (var i = 0; i < reply.Calls.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("id", resolved.CallIds[i]);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", reply.Calls[i].Name);
                writer.WriteString("arguments", reply.Calls[i].Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", reply.EffectiveFinishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteUsage(writer, reply.Usage);
        writer.WriteString("system_fingerprint", "fp_scripted");
        writer.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter writer, ScriptedUsage usage)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.PromptTokens);
        writer.WriteNumber("completion_tokens", usage.CompletionTokens);
        writer.WriteNumber("total_tokens", usage.TotalTokens);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", usage.CachedTokens);
        writer.WriteNumber("audio_tokens", 0);
        writer.WriteEndObject();
        writer.WriteStartObject("completion_tokens_details");
        writer.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        writer.WriteNumber("audio_tokens", 0);
        writer.WriteNumber("accepted_prediction_tokens", 0);
        writer.WriteNumber("rejected_prediction_tokens", 0);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter writer, ScriptedError error)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", error.Type);
        writer.WriteNull("param");
        writer.WriteString("code", error.Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteModels(Utf8JsonWriter writer, IEnumerable<string> modelIds, long created)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var id in modelIds)
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", created);
            writer.WriteString("owned_by", "deckhand-testing");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
