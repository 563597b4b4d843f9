namespace Deckhand.Testing.Llm;

/// <summary>
/// What the scripted server answers to one chat completion request. Build one with the static factories and adjust it
/// with <c>with { ... }</c> or the <c>With*</c>/<see cref="After"/> helpers; instances are immutable and reusable.
/// </summary>
public sealed record ScriptedReply
{
    public const string UnscriptedText = "(no scripted reply)";

    /// <summary>The assistant text, or null for a reply that only calls tools.</summary>
    public string? Content { get; init; }

    /// <summary>The function calls of the reply (<c>tool_calls</c>), in order.</summary>
    public IReadOnlyList<ScriptedToolCall> Calls { get; init; } = [];

    public ScriptedUsage Usage { get; init; } = ScriptedUsage.Default;

    /// <summary>
    /// The model's reasoning: OpenAI-compatible servers (DeepSeek, vLLM) send it as <c>reasoning_content</c> on the
    /// message (or in <c>delta.reasoning_content</c> pieces when streaming); in Anthropic's format it becomes one
    /// <c>thinking</c> block, unless <see cref="Thinking"/> lists the blocks.
    /// </summary>
    public string? Reasoning { get; init; }

    /// <summary>Anthropic thinking blocks, sent before the text and tool calls; in OpenAI's format their texts,
    /// joined, are the <c>reasoning_content</c> when <see cref="Reasoning"/> is null.</summary>
    public IReadOnlyList<ScriptedThinking> Thinking { get; init; } = [];

    /// <summary>When true the answer has no choice at all (<c>"choices": []</c>; Anthropic: an empty <c>content</c>).</summary>
    public bool NoChoices { get; init; }

    /// <summary>Overrides <c>finish_reason</c> (e.g. <c>"length"</c>); by default <c>"tool_calls"</c> when the reply
    /// calls tools, otherwise <c>"stop"</c>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>When set, the server answers with this error instead of a completion.</summary>
    public ScriptedError? Failure { get; init; }

    /// <summary>How long the server waits before answering; the wait ends early if the client disconnects.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Pause between streamed chunks, to let tests interrupt a stream half-way.</summary>
    public TimeSpan ChunkInterval { get; init; }

    /// <summary>When true the server never answers and holds the request until the client disconnects.</summary>
    public bool HangsUntilAborted { get; init; }

    public string EffectiveFinishReason => FinishReason ?? (Calls.Count > 0 ? "tool_calls" : "stop");

    public static ScriptedReply Text(string content) => new() { Content = content };

    /// <summary>A reply calling one function; see <see cref="ScriptedToolCall.Create"/> for how arguments serialize.</summary>
    public static ScriptedReply ToolCall(string name, object? arguments = null) =>
        new() { Calls = [ScriptedToolCall.Create(name, arguments)] };

    /// <summary>A reply calling several functions in parallel.</summary>
    public static ScriptedReply ToolCalls(params IEnumerable<ScriptedToolCall> calls) => new() { Calls = [.. calls] };

    /// <summary>A reply with assistant text alongside parallel function calls.</summary>
    public static ScriptedReply ToolCalls(string? content, params IEnumerable<ScriptedToolCall> calls) =>
        new() { Content = content, Calls = [.. calls] };

    /// <summary>An OpenAI-shaped error with the given HTTP status and, when given, a <c>Retry-After</c> header.</summary>
    public static ScriptedReply Error(int statusCode, string message, int? retryAfterSeconds = null, string? type = null, string? code = null) =>
        new() { Failure = ScriptedError.For(statusCode, message, retryAfterSeconds, type, code) };

    /// <summary>A text reply sent after <paramref name="delay"/>.</summary>
    public static ScriptedReply Delay(TimeSpan delay, string content = "(delayed reply)") => Text(content).After(delay);

    /// <summary><paramref name="reply"/>, sent after <paramref name="delay"/>.</summary>
    public static ScriptedReply Delay(TimeSpan delay, ScriptedReply reply) => reply.After(delay);

    /// <summary>Never answers; the request stays open until the client disconnects or the server is disposed.</summary>
    public static ScriptedReply Hang() => new() { HangsUntilAborted = true };

    public ScriptedReply After(TimeSpan delay) => this with { Latency = delay };

    public ScriptedReply WithUsage(int promptTokens, int completionTokens, int cachedTokens = 0, int reasoningTokens = 0, int cacheWriteTokens = 0) =>
        this with { Usage = new ScriptedUsage(promptTokens, completionTokens, cachedTokens, reasoningTokens, cacheWriteTokens) };

    /// <summary>This reply with <paramref name="reasoning"/> as the model's reasoning (see <see cref="Reasoning"/>).</summary>
    public ScriptedReply WithReasoning(string reasoning) => this with { Reasoning = reasoning };

    /// <summary>This reply with Anthropic thinking blocks (see <see cref="Thinking"/>).</summary>
    public ScriptedReply WithThinking(params IEnumerable<ScriptedThinking> blocks) => this with { Thinking = [.. blocks] };

    /// <summary>An answer without any choice (OpenAI <c>"choices": []</c>, Anthropic empty <c>content</c>).</summary>
    public static ScriptedReply Empty() => new() { NoChoices = true };

    /// <summary>The <c>reasoning_content</c> an OpenAI-format answer carries, or null.</summary>
    internal string? ReasoningContent =>
        Reasoning ?? (Thinking.Any(t => t.Thinking is not null) ? string.Concat(Thinking.Select(t => t.Thinking)) : null);

    /// <summary>The thinking blocks an Anthropic-format answer carries.</summary>
    internal IReadOnlyList<ScriptedThinking> ThinkingBlocks =>
        Thinking.Count > 0 ? Thinking : Reasoning is null ? [] : [ScriptedThinking.Block(Reasoning)];
}
