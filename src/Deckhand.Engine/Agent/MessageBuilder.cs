using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Agent;

/// <summary>
/// Projects a conversation's events into the messages sent to the model. Actions from one LLM response become one
/// assistant message; their results follow in call order whatever order they were stored in; a call without a result
/// gets a placeholder so the history stays valid for every provider; adjacent user messages are merged.
/// </summary>
internal static class MessageBuilder
{
    public const string ErrorPrefix = "[The tool reported an error.]\n";
    public const string MissingResult = "No result was recorded for this call.";

    public static List<AiChatMessage> Build(IReadOnlyList<Event> events)
    {
        var results = CollectResults(events);
        var messages = new List<AiChatMessage>();
        for (var i = 0; i < events.Count; i++)
        {
            switch (events[i])
            {
                case SystemPromptEvent system:
                    var parts = new List<AIContent> { new AiTextContent(system.SystemPrompt.Text) };
                    if (system.DynamicContext is { } dynamicContext)
                        parts.Add(new AiTextContent(dynamicContext.Text));
                    messages.Add(new AiChatMessage(ChatRole.System, parts));
                    break;
                case MessageEvent message:
                    AddMessage(messages, message);
                    break;
                case ActionEvent first:
                    var batch = new List<ActionEvent> { first };
                    while (i + 1 < events.Count && events[i + 1] is ActionEvent next && next.LlmResponseId == first.LlmResponseId)
                    {
                        batch.Add(next);
                        i++;
                    }
                    AddToolTurn(messages, batch, results);
                    break;
            }
        }
        return messages;
    }

    private static void AddMessage(List<AiChatMessage> messages, MessageEvent message)
    {
        var role = message.LlmMessage.Role switch
        {
            MessageRole.Assistant => ChatRole.Assistant,
            MessageRole.System => ChatRole.System,
            _ => ChatRole.User,
        };
        var contents = new List<AIContent>();
        foreach (var item in message.LlmMessage.Content.Concat(message.ExtendedContent))
        {
            switch (item)
            {
                case TextContent text when text.Text.Length > 0:
                    contents.Add(new AiTextContent(text.Text));
                    break;
                case ImageContent image:
                    contents.AddRange(image.ImageUrls.Select(Image));
                    break;
            }
        }
        if (contents.Count == 0)
        {
            if (role == ChatRole.Assistant)
                return; // an empty assistant turn carries nothing and some providers reject it
            contents.Add(new AiTextContent(""));
        }
        if (role == ChatRole.User && messages.Count > 0 && messages[^1].Role == ChatRole.User
            && !messages[^1].Contents.Any(c => c is FunctionResultContent))
        {
            foreach (var content in contents)
                messages[^1].Contents.Add(content);
            return;
        }
        messages.Add(new AiChatMessage(role, contents));
    }

    private static void AddToolTurn(List<AiChatMessage> messages, List<ActionEvent> batch, Dictionary<string, string> results)
    {
        var contents = new List<AIContent>();
        var thought = string.Join("\n", batch[0].Thought.Select(t => t.Text));
        if (thought.Length > 0)
            contents.Add(new AiTextContent(thought));
        foreach (var action in batch)
        {
            contents.Add(new FunctionCallContent(action.ToolCallId, action.ToolName) { RawRepresentation = action.ToolCall.Arguments });
        }
        messages.Add(new AiChatMessage(ChatRole.Assistant, contents));
        foreach (var action in batch)
        {
            var text = results.GetValueOrDefault(action.ToolCallId, MissingResult);
            messages.Add(new AiChatMessage(ChatRole.Tool, [new FunctionResultContent(action.ToolCallId, text)]));
        }
    }

    /// <summary>The text the model reads for each answered tool call, by call id.</summary>
    private static Dictionary<string, string> CollectResults(IReadOnlyList<Event> events)
    {
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e)
            {
                case ObservationEvent o:
                    var text = (o.Observation.IsError ? ErrorPrefix : "") + o.Observation.Text();
                    if (o.ExtendedContent.Count > 0)
                        text += "\n" + string.Join("\n", o.ExtendedContent.Select(c => c.Text));
                    results[o.ToolCallId] = text;
                    break;
                case AgentErrorEvent err:
                    results[err.ToolCallId] = err.Error;
                    break;
                case UserRejectObservation reject:
                    results[reject.ToolCallId] = "Action rejected: " + reject.RejectionReason;
                    break;
            }
        }
        return results;
    }

    private static AIContent Image(string url)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            return new DataContent(url);
        return new UriContent(new Uri(url), "image/*");
    }
}
