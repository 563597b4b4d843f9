using System.Text;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Llm.Anthropic;

/// <summary>
/// Rebuilds the thinking blocks of a streamed answer from the SDK's pieces: a block starts with its
/// <c>content_block_start</c>, grows with <c>thinking_delta</c>s and gets its signature from a <c>signature_delta</c>;
/// a <c>redacted_thinking</c> block arrives whole.
/// </summary>
internal sealed class ThinkingStream
{
    private readonly List<(StringBuilder Text, string Signature, string? Redacted)> _blocks = [];

    public void Add(IEnumerable<AIContent> contents)
    {
        foreach (var content in contents)
        {
            if (content is not TextReasoningContent reasoning)
                continue;
            switch (reasoning.RawRepresentation)
            {
                case ThinkingBlock start:
                    _blocks.Add((new StringBuilder(start.Thinking), start.Signature, null));
                    break;
                case ThinkingDelta delta when _blocks.Count > 0:
                    _blocks[^1].Text.Append(delta.Thinking);
                    break;
                case SignatureDelta signature when _blocks.Count > 0:
                    _blocks[^1] = _blocks[^1] with { Signature = _blocks[^1].Signature + signature.Signature };
                    break;
                case RedactedThinkingBlock redacted:
                    _blocks.Add((new StringBuilder(), "", redacted.Data));
                    break;
            }
        }
    }

    /// <summary>The blocks seen, in order, or null when the answer had none.</summary>
    public ChatResponseUpdate? Complete(string? responseId)
    {
        if (_blocks.Count == 0)
            return null;
        var blocks = _blocks
            .Select(b => (AIContent)(b.Redacted is { } data ? ThinkingBlockContent.Redacted(data) : ThinkingBlockContent.Thought(b.Text.ToString(), b.Signature)))
            .ToList();
        return new ChatResponseUpdate(ChatRole.Assistant, blocks) { ResponseId = responseId };
    }
}
