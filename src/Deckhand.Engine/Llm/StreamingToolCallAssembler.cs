using System.Text;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiTextContent = Microsoft.Extensions.AI.TextContent;

namespace Deckhand.Engine.Llm;

/// <summary>
/// Turns OpenAI streaming chunks into <see cref="ChatResponseUpdate"/>s: text and reasoning (<c>delta.reasoning_content</c>)
/// deltas pass through at once, tool calls
/// are assembled from their pieces and emitted whole when the stream ends, usage arrives as <see cref="UsageContent"/>.
/// </summary>
internal sealed class StreamingToolCallAssembler
{
    private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Args)> _calls = [];
    private string? _responseId;
    private string? _model;

    public IEnumerable<ChatResponseUpdate> Add(StreamingChatCompletionUpdate update)
    {
        _responseId ??= update.CompletionId;
        _model ??= update.Model;
        if (OpenAiMessageMapper.ReasoningDelta(update) is { Length: > 0 } reasoning)
            yield return Update([new TextReasoningContent(reasoning)]);
        foreach (var part in update.ContentUpdate)
        {
            if (part.Kind == ChatMessageContentPartKind.Text && part.Text.Length > 0)
                yield return Update([new AiTextContent(part.Text)]);
        }
        foreach (var call in update.ToolCallUpdates)
        {
            if (!_calls.TryGetValue(call.Index, out var entry))
                entry = (null, null, new StringBuilder());
            entry.Id ??= call.ToolCallId;
            entry.Name ??= call.FunctionName;
            if (call.FunctionArgumentsUpdate is { } args && !args.ToMemory().IsEmpty)
                entry.Args.Append(args.ToString());
            _calls[call.Index] = entry;
        }
        if (OpenAiMessageMapper.Usage(update.Usage) is { } usage)
            yield return Update([new UsageContent(usage)]);
    }

    public IEnumerable<ChatResponseUpdate> Complete()
    {
        if (_calls.Count == 0)
            yield break;
        var contents = _calls.Values
            .Select((c, i) => (AIContent)OpenAiMessageMapper.FunctionCall(c.Id ?? $"call_{i}", c.Name ?? "", c.Args.ToString()))
            .ToList();
        yield return Update(contents);
    }

    private ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = _responseId,
        ModelId = _model,
    };
}
