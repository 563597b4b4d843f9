using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;
using OaiChatMessage = OpenAI.Chat.ChatMessage;

namespace Deckhand.Engine.Llm;

/// <summary>Converts between Microsoft.Extensions.AI messages and the OpenAI SDK's chat types.</summary>
internal static class OpenAiMessageMapper
{
    // The agent hands over the same (never mutated) message objects step after step; converting each once keeps a
    // step's cost proportional to what is new rather than to the whole history.
    private static readonly ConditionalWeakTable<AiChatMessage, OaiChatMessage[]> Converted = new();

    public static List<OaiChatMessage> ToOpenAi(IEnumerable<AiChatMessage> messages)
    {
        var result = new List<OaiChatMessage>();
        foreach (var message in messages)
            result.AddRange(Converted.GetValue(message, Convert));
        return result;
    }

    private static OaiChatMessage[] Convert(AiChatMessage message)
    {
        if (message.Role == ChatRole.System)
            return [new SystemChatMessage(TextParts(message))];
        if (message.Role == ChatRole.User)
            return [new UserChatMessage(UserParts(message))];
        if (message.Role == ChatRole.Assistant)
            return [Assistant(message)];
        if (message.Role == ChatRole.Tool)
            return [.. message.Contents.OfType<FunctionResultContent>().Select(r => (OaiChatMessage)new ToolChatMessage(r.CallId, r.Result?.ToString() ?? ""))];
        return [];
    }

    /// <summary>True when an answer body has at least one choice.</summary>
    public static bool HasChoices(BinaryData body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("choices", out var choices)
                && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0;
        }
        catch (JsonException)
        {
            return true; // not ours to judge: the SDK parsed it
        }
    }

    public static ChatResponse FromCompletion(ChatCompletion completion)
    {
        var contents = new List<AIContent>();
        // DeepSeek, vLLM and other OpenAI-compatible servers put the model's reasoning beside the content.
        if (ReasoningContent(completion) is { Length: > 0 } reasoning)
            contents.Add(new TextReasoningContent(reasoning));
        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        if (text.Length > 0)
            contents.Add(new AiTextContent(text));
        foreach (var call in completion.ToolCalls)
            contents.Add(FunctionCall(call.Id, call.FunctionName, call.FunctionArguments.ToString()));
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, contents))
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            FinishReason = completion.FinishReason switch
            {
                OpenAI.Chat.ChatFinishReason.ToolCalls => Microsoft.Extensions.AI.ChatFinishReason.ToolCalls,
                OpenAI.Chat.ChatFinishReason.Length => Microsoft.Extensions.AI.ChatFinishReason.Length,
                OpenAI.Chat.ChatFinishReason.ContentFilter => Microsoft.Extensions.AI.ChatFinishReason.ContentFilter,
                _ => Microsoft.Extensions.AI.ChatFinishReason.Stop,
            },
            Usage = Usage(completion.Usage),
        };
    }

#pragma warning disable SCME0001 // JsonPatch (the SDK's access to fields it does not model) is marked experimental.
    private static string? ReasoningContent(ChatCompletion completion) =>
        completion.Patch.TryGetValue("$.choices[0].message.reasoning_content"u8, out string? value) ? value : null;

    /// <summary>A streaming chunk's <c>delta.reasoning_content</c> piece, or null.</summary>
    public static string? ReasoningDelta(StreamingChatCompletionUpdate update) =>
        update.Patch.TryGetValue("$.choices[0].delta.reasoning_content"u8, out string? value) ? value : null;
#pragma warning restore SCME0001

    public static UsageDetails? Usage(ChatTokenUsage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.InputTokenCount,
        OutputTokenCount = usage.OutputTokenCount,
        TotalTokenCount = usage.TotalTokenCount,
        CachedInputTokenCount = usage.InputTokenDetails?.CachedTokenCount,
        ReasoningTokenCount = usage.OutputTokenDetails?.ReasoningTokenCount,
    };

    /// <summary>A function call whose <see cref="AIContent.RawRepresentation"/> is the raw arguments string.</summary>
    public static FunctionCallContent FunctionCall(string id, string name, string rawArguments)
    {
        IDictionary<string, object?>? arguments = null;
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(rawArguments) ? "{}" : rawArguments);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
                arguments = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        }
        catch (JsonException)
        {
            // Malformed arguments are kept raw; the agent reports them back to the model.
        }
        return new FunctionCallContent(id, name, arguments) { RawRepresentation = rawArguments };
    }

    private static IEnumerable<ChatMessageContentPart> TextParts(AiChatMessage message) =>
        message.Contents.OfType<AiTextContent>().Select(t => ChatMessageContentPart.CreateTextPart(t.Text));

    private static IEnumerable<ChatMessageContentPart> UserParts(AiChatMessage message)
    {
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case AiTextContent text:
                    yield return ChatMessageContentPart.CreateTextPart(text.Text);
                    break;
                case UriContent uri:
                    yield return ChatMessageContentPart.CreateImagePart(uri.Uri);
                    break;
                case DataContent data:
                    yield return ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(data.Data), data.MediaType);
                    break;
            }
        }
    }

    private static AssistantChatMessage Assistant(AiChatMessage message)
    {
        var calls = message.Contents.OfType<FunctionCallContent>()
            .Select(c => ChatToolCall.CreateFunctionToolCall(c.CallId, c.Name, BinaryData.FromString(RawArguments(c))))
            .ToList();
        var text = string.Concat(message.Contents.OfType<AiTextContent>().Select(t => t.Text));
        if (calls.Count == 0)
            return new AssistantChatMessage(text);
        var assistant = new AssistantChatMessage(calls);
        if (text.Length > 0)
            assistant.Content.Add(ChatMessageContentPart.CreateTextPart(text));
        return assistant;
    }

    private static string RawArguments(FunctionCallContent call) =>
        call.RawRepresentation as string
        ?? JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), ArgumentsInfo);

    // Through the options' (source-generated) type info rather than the reflection overload: trim- and AOT-safe.
    private static readonly JsonTypeInfo<IDictionary<string, object?>> ArgumentsInfo =
        (JsonTypeInfo<IDictionary<string, object?>>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>));
}
