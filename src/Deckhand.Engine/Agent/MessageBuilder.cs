using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Agent;

/// <summary>
/// Projects a conversation's events into the messages sent to the model, incrementally: the events of earlier steps
/// are converted once and kept, so a step costs time for its new events only. Actions from one LLM response become
/// one assistant message; their results follow in call order whatever order they were stored in; adjacent user
/// messages are merged. Messages already handed out are never mutated (a merge replaces the last one), so callers may
/// cache per-message work. A call without a result (only possible right after an interrupt or crash, before it is
/// closed) gets a placeholder and is not cached.
/// </summary>
internal sealed class MessageBuilder
{
    public const string ErrorPrefix = "[The tool reported an error.]\n";
    public const string MissingResult = "No result was recorded for this call.";

    private readonly List<AiChatMessage> _messages = [];
    private int _consumed;
    private string? _firstEventId;
    private int _version;
    private string? _lastConsumedId;

    /// <summary>
    /// Messages for <paramref name="events"/>, which must extend the list given last time (else it rebuilds).
    /// <paramref name="version"/> changes whenever the view was rewritten (a condensation), which forces a rebuild.
    /// </summary>
    public IReadOnlyList<AiChatMessage> Build(IReadOnlyList<Event> events, int version = 0)
    {
        if (version != _version || events.Count < _consumed || (events.Count > 0 && events[0].Id != _firstEventId)
            || (_consumed > 0 && events[_consumed - 1].Id != _lastConsumedId))
        {
            _messages.Clear();
            _consumed = 0;
            _version = version;
            _firstEventId = events.Count > 0 ? events[0].Id : null;
        }
        _consumed = Append(_messages, events, _consumed, stopAtOpenCall: true);
        _lastConsumedId = _consumed > 0 ? events[_consumed - 1].Id : null;
        if (_consumed == events.Count)
            return _messages;
        var withOpenCalls = new List<AiChatMessage>(_messages);
        Append(withOpenCalls, events, _consumed, stopAtOpenCall: false);
        return withOpenCalls;
    }

    /// <summary>One-off conversion without caching.</summary>
    public static IReadOnlyList<AiChatMessage> BuildOnce(IReadOnlyList<Event> events) => new MessageBuilder().Build(events);

    private static int Append(List<AiChatMessage> messages, IReadOnlyList<Event> events, int from, bool stopAtOpenCall)
    {
        var results = CollectResults(events, from);
        var i = from;
        for (; i < events.Count; i++)
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
                case CondensationSummaryEvent summary:
                    AddMessage(messages, new MessageEvent
                    {
                        Id = summary.Id,
                        Source = EventSource.Environment,
                        LlmMessage = new Message { Role = MessageRole.User, Content = [new TextContent(summary.Summary)] },
                    });
                    break;
                case ActionEvent first:
                    var end = i;
                    while (end + 1 < events.Count && events[end + 1] is ActionEvent next && next.LlmResponseId == first.LlmResponseId)
                        end++;
                    var batch = events.Skip(i).Take(end - i + 1).Cast<ActionEvent>().ToList();
                    if (stopAtOpenCall && batch.Any(a => !results.ContainsKey(a.ToolCallId)))
                        return i;
                    AddToolTurn(messages, batch, results);
                    i = end;
                    break;
            }
        }
        return i;
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
        if (role == ChatRole.Assistant)
            contents.InsertRange(0, Thinking(message.LlmMessage.ThinkingBlocks));
        if (role == ChatRole.User && messages.Count > 0 && messages[^1].Role == ChatRole.User)
        {
            messages[^1] = new AiChatMessage(ChatRole.User, [.. messages[^1].Contents, .. contents]);
            return;
        }
        messages.Add(new AiChatMessage(role, contents));
    }

    private static void AddToolTurn(List<AiChatMessage> messages, List<ActionEvent> batch, Dictionary<string, string> results)
    {
        // Thinking blocks go back first, as Anthropic requires for a turn that called tools while thinking.
        var contents = new List<AIContent>(Thinking(batch[0].ThinkingBlocks));
        var thought = string.Join("\n", batch[0].Thought.Select(t => t.Text));
        if (thought.Length > 0)
            contents.Add(new AiTextContent(thought));
        foreach (var action in batch)
            contents.Add(new FunctionCallContent(action.ToolCallId, action.ToolCall.Name) { RawRepresentation = action.ToolCall.Arguments });
        messages.Add(new AiChatMessage(ChatRole.Assistant, contents));
        foreach (var action in batch)
        {
            var text = results.GetValueOrDefault(action.ToolCallId, MissingResult);
            messages.Add(new AiChatMessage(ChatRole.Tool, [new FunctionResultContent(action.ToolCallId, text)]));
        }
    }

    private static IEnumerable<AIContent> Thinking(IReadOnlyList<System.Text.Json.JsonElement> blocks) =>
        blocks.Select(b => (AIContent)new Llm.ThinkingBlockContent(b));

    /// <summary>The text the model reads for each answered tool call, by call id (results follow their calls).</summary>
    private static Dictionary<string, string> CollectResults(IReadOnlyList<Event> events, int from)
    {
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = from; i < events.Count; i++)
        {
            switch (events[i])
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

    private static AIContent Image(string url) =>
        url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? new DataContent(url) : new UriContent(new Uri(url), "image/*");
}
