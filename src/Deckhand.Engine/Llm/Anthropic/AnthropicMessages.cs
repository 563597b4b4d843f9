using System.Buffers;
using System.Text;
using System.Text.Json;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;

namespace Deckhand.Engine.Llm.Anthropic;

/// <summary>
/// Adapts the agent's messages to what the SDK's chat client reads, and its answers back. The agent keeps a function
/// call's arguments as the raw JSON string in <see cref="AIContent.RawRepresentation"/>; the SDK reads
/// <see cref="FunctionCallContent.Arguments"/> and returns <c>input</c> as an object. Thinking blocks travel as
/// <see cref="ThinkingBlockContent"/> and prompt-cache markers are set here (spec §6.2): on the static system block and
/// on the last content of the last user or tool message. Blocks given as a <see cref="ContentBlockParam"/> raw
/// representation are sent by the SDK as they are.
/// </summary>
internal static class AnthropicMessages
{
    public static List<AiChatMessage> ToSdk(IEnumerable<AiChatMessage> messages, bool cacheMarkers)
    {
        var result = new List<AiChatMessage>();
        var systemMarked = !cacheMarkers;
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System && !systemMarked && message.Contents.FirstOrDefault() is AiTextContent first)
            {
                // Spec §6.2: only the first (static) system block is cache-marked; the dynamic context stays unmarked.
                systemMarked = true;
                var marked = new AiTextContent(first.Text)
                {
                    RawRepresentation = new TextBlockParam { Text = first.Text, CacheControl = new CacheControlEphemeral() },
                };
                result.Add(new AiChatMessage(message.Role, [marked, .. message.Contents.Skip(1)]));
                continue;
            }

            if (!message.Contents.Any(c => c is FunctionCallContent { RawRepresentation: string } or ThinkingBlockContent))
            {
                result.Add(message);
                continue;
            }

            var contents = message.Contents
                .Select(c => c switch
                {
                    FunctionCallContent { RawRepresentation: string raw } call => new FunctionCallContent(call.CallId, call.Name, ParseArguments(raw)),
                    ThinkingBlockContent thinking => Carrier(ToParam(thinking)),
                    _ => c,
                })
                .Where(c => c is not null)
                .Cast<AIContent>()
                .ToList();
            result.Add(new AiChatMessage(message.Role, contents) { AuthorName = message.AuthorName, MessageId = message.MessageId });
        }

        if (cacheMarkers)
            MarkLastUserMessage(result);
        return result;
    }

    /// <summary>Cache-marks the last content of the last user or tool message (a new message; the input is never changed).</summary>
    private static void MarkLastUserMessage(List<AiChatMessage> messages)
    {
        var index = messages.FindLastIndex(m => m.Role == ChatRole.User || m.Role == ChatRole.Tool);
        if (index < 0)
            return;
        var message = messages[index];
        var contents = message.Contents.ToList();
        for (var i = contents.Count - 1; i >= 0; i--)
        {
            ContentBlockParam? marked = contents[i] switch
            {
                AiTextContent { RawRepresentation: null } text when !string.IsNullOrWhiteSpace(text.Text) =>
                    new TextBlockParam { Text = text.Text, CacheControl = new CacheControlEphemeral() },
                FunctionResultContent result when result.Exception is null => new ToolResultBlockParam
                {
                    ToolUseID = result.CallId,
                    Content = result.Result?.ToString() ?? "",
                    CacheControl = new CacheControlEphemeral(),
                },
                _ => null,
            };
            if (marked is null)
                continue;
            contents[i] = new AIContent { RawRepresentation = marked };
            messages[index] = new AiChatMessage(message.Role, contents) { AuthorName = message.AuthorName, MessageId = message.MessageId };
            return;
        }
    }

    /// <summary>An item the SDK sends verbatim: its raw representation is the block to send.</summary>
    private static AIContent? Carrier(ContentBlockParam? block) => block is null ? null : new AIContent { RawRepresentation = block };

    private static ContentBlockParam? ToParam(ThinkingBlockContent thinking) => thinking.Type switch
    {
        "thinking" => new ThinkingBlockParam { Thinking = thinking.Thinking ?? "", Signature = thinking.StringField("signature") ?? "" },
        "redacted_thinking" => new RedactedThinkingBlockParam { Data = thinking.StringField("data") ?? "" },
        _ => null,
    };

    /// <summary>Gives each function call the JSON text of its <c>input</c> as its raw representation.</summary>
    public static void SetRawArguments(IEnumerable<AIContent> contents)
    {
        foreach (var call in contents.OfType<FunctionCallContent>())
            call.RawRepresentation = SerializeArguments(call.Arguments);
    }

    /// <summary>Adds a <see cref="ThinkingBlockContent"/> after each thinking block of a whole (non-streamed) answer.</summary>
    public static void AddThinkingBlocks(IList<AIContent> contents)
    {
        for (var i = contents.Count - 1; i >= 0; i--)
        {
            var block = contents[i] switch
            {
                TextReasoningContent { RawRepresentation: ThinkingBlock b } => ThinkingBlockContent.Thought(b.Thinking, b.Signature),
                TextReasoningContent { RawRepresentation: RedactedThinkingBlock r } => ThinkingBlockContent.Redacted(r.Data),
                _ => null,
            };
            if (block is not null)
                contents.Insert(i + 1, block);
        }
    }

    internal static Dictionary<string, object?> ParseArguments(string raw)
    {
        try
        {
            using var document = JsonDocument.Parse(raw);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        }
        catch (JsonException)
        {
        }

        // Anthropic's input must be an object; a malformed call was already answered with an error, keep its text.
        return new Dictionary<string, object?> { ["raw_arguments"] = raw };
    }

    internal static string SerializeArguments(IDictionary<string, object?>? arguments)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments ?? new Dictionary<string, object?>())
            {
                writer.WritePropertyName(name);
                var element = value is JsonElement json
                    ? json
                    : JsonSerializer.SerializeToElement(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object)));
                element.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
