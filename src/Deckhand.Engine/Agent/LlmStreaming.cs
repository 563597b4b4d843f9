using Deckhand.Contracts.Events;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Events;
using Deckhand.Engine.Secrets;
using Microsoft.Extensions.AI;
using AiTextContent = Microsoft.Extensions.AI.TextContent;

namespace Deckhand.Engine.Agent;

/// <summary>
/// One LLM call in streaming mode (<c>llm.stream = true</c>): every text or reasoning delta is published to the
/// conversation's live subscribers as a transient <see cref="StreamingDeltaEvent"/> (never stored, never searchable),
/// and the updates are assembled into the same <see cref="ChatResponse"/> the non-streaming call returns, so the
/// persisted events are identical either way.
/// </summary>
internal static class LlmStreaming
{
    public static async Task<ChatResponse> GetResponseAsync(IChatClient llm, IEnumerable<ChatMessage> messages, ChatOptions options,
        ConversationRunner conversation, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in llm.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
            if (Delta(update) is { } delta)
                conversation.Hub.Publish(new StoredEvent(StoredEvent.Transient, EventMasking.Mask(delta, conversation.Secrets.Masker)));
        }
        // ToChatResponse folds UsageContent into Usage, joins adjacent text, and keeps every FunctionCallContent
        // object as is (its RawRepresentation is the raw arguments string the agent stores).
        return updates.ToChatResponse();
    }

    /// <summary>The text and reasoning pieces of one update, or null when it carries neither (tool calls, usage).</summary>
    internal static StreamingDeltaEvent? Delta(ChatResponseUpdate update)
    {
        string? content = null, reasoning = null;
        foreach (var part in update.Contents)
        {
            switch (part)
            {
                case AiTextContent text:
                    content += text.Text;
                    break;
                case TextReasoningContent thought:
                    reasoning += thought.Text;
                    break;
            }
        }
        return content is null && reasoning is null ? null : new StreamingDeltaEvent { Content = content, ReasoningContent = reasoning };
    }
}
