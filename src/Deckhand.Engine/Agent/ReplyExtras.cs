using System.Text.Json;
using Deckhand.Engine.Llm;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Agent;

/// <summary>
/// What a reply carries beside its text and tool calls: the model's reasoning (<c>reasoning_content</c>) and Anthropic
/// thinking blocks, stored on the reply's first event and sent back with it on later turns.
/// </summary>
internal sealed record ReplyExtras(string? Reasoning, IReadOnlyList<JsonElement> ThinkingBlocks)
{
    public static readonly ReplyExtras None = new(null, []);

    public static ReplyExtras From(ChatMessage? reply)
    {
        if (reply is null)
            return None;
        var reasoning = string.Concat(reply.Contents.OfType<TextReasoningContent>().Select(r => r.Text));
        var blocks = reply.Contents.OfType<ThinkingBlockContent>().Select(b => b.Block).ToList();
        return reasoning.Length == 0 && blocks.Count == 0 ? None : new ReplyExtras(reasoning.Length > 0 ? reasoning : null, blocks);
    }
}
