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
/// <see cref="FunctionCallContent.Arguments"/> and returns <c>input</c> as an object.
/// </summary>
internal static class AnthropicMessages
{
    public static List<AiChatMessage> ToSdk(IEnumerable<AiChatMessage> messages, bool cacheSystemPrompt)
    {
        var result = new List<AiChatMessage>();
        var systemMarked = !cacheSystemPrompt;
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

            if (!message.Contents.Any(c => c is FunctionCallContent { RawRepresentation: string }))
            {
                result.Add(message);
                continue;
            }

            var contents = message.Contents
                .Select(c => c is FunctionCallContent { RawRepresentation: string raw } call
                    ? new FunctionCallContent(call.CallId, call.Name, ParseArguments(raw))
                    : c)
                .ToList();
            result.Add(new AiChatMessage(message.Role, contents) { AuthorName = message.AuthorName, MessageId = message.MessageId });
        }

        return result;
    }

    /// <summary>Gives each function call the JSON text of its <c>input</c> as its raw representation.</summary>
    public static void FromSdk(IList<AIContent> contents)
    {
        foreach (var call in contents.OfType<FunctionCallContent>())
            call.RawRepresentation = SerializeArguments(call.Arguments);
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
