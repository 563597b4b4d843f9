using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Deckhand.Testing.Llm;

/// <summary>
/// Streams a reply as OpenAI does: SSE <c>data:</c> lines of <c>chat.completion.chunk</c> (role, content pieces, tool
/// calls with their arguments in pieces, finish reason, optional usage chunk) and <c>data: [DONE]</c>, flushed one by one.
/// </summary>
internal sealed class CompletionStream(HttpResponse response, ResolvedReply resolved, bool includeUsage, int pieceLength)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private bool _started;

    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(cancellationToken);

        var reply = resolved.Reply;
        if (reply.NoChoices)
        {
            if (includeUsage)
            {
                await WriteUsageChunkAsync(reply.Usage, cancellationToken);
            }

            await WriteEventAsync(writer => writer.Write("[DONE]"u8), cancellationToken);
            return;
        }

        await WriteChunkAsync(delta =>
        {
            delta.WriteString("role", "assistant");
            delta.WriteString("content", reply.Content is null ? null : "");
            delta.WriteNull("refusal");
        }, cancellationToken);

        // DeepSeek and vLLM stream the reasoning first, in delta.reasoning_content.
        foreach (var piece in Pieces(reply.ReasoningContent ?? "", pieceLength))
        {
            await WriteChunkAsync(delta => delta.WriteString("reasoning_content", piece), cancellationToken);
        }

        foreach (var piece in Pieces(reply.Content ?? "", pieceLength))
        {
            await WriteChunkAsync(delta => delta.WriteString("content", piece), cancellationToken);
        }

        for (var i = 0; i < reply.Calls.Count; i++)
        {
            await WriteToolCallAsync(i, reply.Calls[i], resolved.CallIds[i], cancellationToken);
        }

        await WriteChunkAsync(_ => { }, cancellationToken, reply.EffectiveFinishReason);
        if (includeUsage)
        {
            await WriteUsageChunkAsync(reply.Usage, cancellationToken);
        }

        await WriteEventAsync(writer => writer.Write("[DONE]"u8), cancellationToken);
    }

    /// <summary>Splits <paramref name="text"/> into pieces of at most about <paramref name="length"/> chars, never
    /// between the halves of a surrogate pair.</summary>
    internal static IEnumerable<string> Pieces(string text, int length)
    {
        var size = Math.Max(1, length);
        for (var start = 0; start < text.Length;)
        {
            var count = Math.Min(size, text.Length - start);
            if (start + count < text.Length && char.IsHighSurrogate(text[start + count - 1]))
            {
                count++;
            }

            yield return text.Substring(start, count);
            start += count;
        }
    }

    private async Task WriteToolCallAsync(int index, ScriptedToolCall call, string id, CancellationToken cancellationToken)
    {
        await WriteChunkAsync(delta => WriteToolCallDelta(delta, index, writer =>
        {
            writer.WriteString("id", id);
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", call.Name);
            writer.WriteString("arguments", "");
            writer.WriteEndObject();
        }), cancellationToken);

        foreach (var piece in Pieces(call.Arguments, pieceLength))
        {
            await WriteChunkAsync(delta => WriteToolCallDelta(delta, index, writer =>
            {
                writer.WriteStartObject("function");
                writer.WriteString("arguments", piece);
                writer.WriteEndObject();
            }), cancellationToken);
        }
    }

    private static void WriteToolCallDelta(Utf8JsonWriter delta, int index, Action<Utf8JsonWriter> writeCall)
    {
        delta.WriteStartArray("tool_calls");
        delta.WriteStartObject();
        delta.WriteNumber("index", index);
        writeCall(delta);
        delta.WriteEndObject();
        delta.WriteEndArray();
    }

    private Task WriteChunkAsync(Action<Utf8JsonWriter> writeDelta, CancellationToken cancellationToken, string? finishReason = null) =>
        WriteEventAsync(buffer => WriteJson(buffer, writer =>
        {
            WriteChunkHeader(writer);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            writeDelta(writer);
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", finishReason);
            writer.WriteEndObject();
            writer.WriteEndArray();
            if (includeUsage)
            {
                writer.WriteNull("usage");
            }

            writer.WriteEndObject();
        }), cancellationToken);

    private Task WriteUsageChunkAsync(ScriptedUsage usage, CancellationToken cancellationToken) =>
        WriteEventAsync(buffer => WriteJson(buffer, writer =>
        {
            WriteChunkHeader(writer);
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            CompletionJson.WriteUsage(writer, usage);
            writer.WriteEndObject();
        }), cancellationToken);

    private void WriteChunkHeader(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("id", resolved.Id);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteNumber("created", resolved.Created);
        writer.WriteString("model", resolved.Model);
        writer.WriteString("system_fingerprint", "fp_scripted");
    }

    private static void WriteJson(IBufferWriter<byte> buffer, Action<Utf8JsonWriter> write)
    {
        using var writer = new Utf8JsonWriter(buffer);
        write(writer);
    }

    private async Task WriteEventAsync(Action<IBufferWriter<byte>> writeData, CancellationToken cancellationToken)
    {
        if (_started && resolved.Reply.ChunkInterval > TimeSpan.Zero)
        {
            await Task.Delay(resolved.Reply.ChunkInterval, cancellationToken);
        }

        _started = true;
        _buffer.ResetWrittenCount();
        _buffer.Write("data: "u8);
        writeData(_buffer);
        _buffer.Write("\n\n"u8);
        await response.Body.WriteAsync(_buffer.WrittenMemory, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
