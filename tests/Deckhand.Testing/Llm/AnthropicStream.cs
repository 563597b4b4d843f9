using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Deckhand.Testing.Llm;

/// <summary>
/// Streams a reply as Anthropic does: SSE <c>event:</c>/<c>data:</c> pairs of <c>message_start</c>, <c>ping</c>, one
/// <c>content_block_start</c> / <c>content_block_delta</c>s (<c>text_delta</c> or <c>input_json_delta</c>) /
/// <c>content_block_stop</c> run per block, <c>message_delta</c> (stop reason and output tokens) and <c>message_stop</c>.
/// </summary>
internal sealed class AnthropicStream(HttpResponse response, ResolvedReply resolved, int pieceLength)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private bool _started;

    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(cancellationToken);

        var reply = resolved.Reply;
        await WriteEventAsync("message_start", writer =>
        {
            writer.WriteStartObject("message");
            AnthropicJson.WriteMessageHeader(writer, resolved);
            writer.WriteStartArray("content");
            writer.WriteEndArray();
            writer.WriteNull("stop_reason");
            writer.WriteNull("stop_sequence");
            AnthropicJson.WriteUsage(writer, reply.Usage, 1);
            writer.WriteEndObject();
        }, cancellationToken);
        await WriteEventAsync("ping", _ => { }, cancellationToken);

        var index = 0;
        foreach (var block in reply.NoChoices ? [] : reply.ThinkingBlocks)
        {
            await WriteBlockStartAsync(index, writer => AnthropicJson.WriteThinking(writer, block, streaming: true), cancellationToken);
            if (!block.IsRedacted)
            {
                foreach (var piece in CompletionStream.Pieces(block.Thinking ?? "", pieceLength))
                {
                    await WriteDeltaAsync(index, "thinking_delta", "thinking", piece, cancellationToken);
                }

                await WriteDeltaAsync(index, "signature_delta", "signature", block.Signature ?? "", cancellationToken);
            }

            await WriteBlockStopAsync(index++, cancellationToken);
        }

        if (!reply.NoChoices && !string.IsNullOrEmpty(reply.Content))
        {
            await WriteBlockStartAsync(index, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", "");
                writer.WriteEndObject();
            }, cancellationToken);
            foreach (var piece in CompletionStream.Pieces(reply.Content, pieceLength))
            {
                await WriteDeltaAsync(index, "text_delta", "text", piece, cancellationToken);
            }

            await WriteBlockStopAsync(index++, cancellationToken);
        }

        for (var i = 0; !reply.NoChoices && i < reply.Calls.Count; i++, index++)
        {
            var call = reply.Calls[i];
            var id = resolved.CallIds[i];
            await WriteBlockStartAsync(index, writer => AnthropicJson.WriteToolUseStart(writer, call, id, withInput: false), cancellationToken);
            foreach (var piece in CompletionStream.Pieces(call.Arguments, pieceLength))
            {
                await WriteDeltaAsync(index, "input_json_delta", "partial_json", piece, cancellationToken);
            }

            await WriteBlockStopAsync(index, cancellationToken);
        }

        await WriteEventAsync("message_delta", writer =>
        {
            writer.WriteStartObject("delta");
            writer.WriteString("stop_reason", AnthropicJson.StopReason(reply));
            writer.WriteNull("stop_sequence");
            writer.WriteEndObject();
            writer.WriteStartObject("usage");
            writer.WriteNumber("output_tokens", reply.Usage.CompletionTokens);
            writer.WriteEndObject();
        }, cancellationToken);
        await WriteEventAsync("message_stop", _ => { }, cancellationToken);
    }

    private Task WriteBlockStartAsync(int index, Action<Utf8JsonWriter> writeBlock, CancellationToken cancellationToken) =>
        WriteEventAsync("content_block_start", writer =>
        {
            writer.WriteNumber("index", index);
            writer.WritePropertyName("content_block");
            writeBlock(writer);
        }, cancellationToken);

    private Task WriteDeltaAsync(int index, string type, string field, string piece, CancellationToken cancellationToken) =>
        WriteEventAsync("content_block_delta", writer =>
        {
            writer.WriteNumber("index", index);
            writer.WriteStartObject("delta");
            writer.WriteString("type", type);
            writer.WriteString(field, piece);
            writer.WriteEndObject();
        }, cancellationToken);

    private Task WriteBlockStopAsync(int index, CancellationToken cancellationToken) =>
        WriteEventAsync("content_block_stop", writer => writer.WriteNumber("index", index), cancellationToken);

    /// <summary>Writes <c>event: NAME</c> and a <c>data:</c> object whose <c>type</c> is NAME plus what
    /// <paramref name="writeFields"/> adds.</summary>
    private async Task WriteEventAsync(string name, Action<Utf8JsonWriter> writeFields, CancellationToken cancellationToken)
    {
        if (_started && resolved.Reply.ChunkInterval > TimeSpan.Zero)
        {
            await Task.Delay(resolved.Reply.ChunkInterval, cancellationToken);
        }

        _started = true;
        _buffer.ResetWrittenCount();
        _buffer.Write("event: "u8);
        _buffer.Write(Encoding.UTF8.GetBytes(name));
        _buffer.Write("\ndata: "u8);
        using (var writer = new Utf8JsonWriter(_buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", name);
            writeFields(writer);
            writer.WriteEndObject();
        }

        _buffer.Write("\n\n"u8);
        await response.Body.WriteAsync(_buffer.WrittenMemory, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
