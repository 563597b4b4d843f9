namespace Deckhand.Testing.Llm;

/// <summary>
/// One Anthropic extended-thinking block of a scripted reply: a <c>thinking</c> block (text and signature) or a
/// <c>redacted_thinking</c> block (opaque data). In OpenAI's format the thinking texts become <c>reasoning_content</c>.
/// </summary>
public sealed record ScriptedThinking
{
    /// <summary>The thinking text; null for a redacted block.</summary>
    public string? Thinking { get; init; }

    /// <summary>The block's signature (sent as a <c>signature_delta</c> when streaming).</summary>
    public string? Signature { get; init; }

    /// <summary>The opaque data of a <c>redacted_thinking</c> block; null for a plain thinking block.</summary>
    public string? RedactedData { get; init; }

    public bool IsRedacted => RedactedData is not null;

    public static ScriptedThinking Block(string thinking, string signature = "scripted-signature") =>
        new() { Thinking = thinking, Signature = signature };

    public static ScriptedThinking Redacted(string data) => new() { RedactedData = data };
}
