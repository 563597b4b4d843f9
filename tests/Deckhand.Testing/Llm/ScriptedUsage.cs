namespace Deckhand.Testing.Llm;

/// <summary>Token usage a scripted reply reports, in OpenAI's <c>usage</c> shape.</summary>
/// <param name="PromptTokens">Reported as <c>prompt_tokens</c>.</param>
/// <param name="CompletionTokens">Reported as <c>completion_tokens</c>.</param>
/// <param name="CachedTokens">Reported as <c>prompt_tokens_details.cached_tokens</c>.</param>
/// <param name="ReasoningTokens">Reported as <c>completion_tokens_details.reasoning_tokens</c>.</param>
public sealed record ScriptedUsage(int PromptTokens = 100, int CompletionTokens = 20, int CachedTokens = 0, int ReasoningTokens = 0)
{
    public static ScriptedUsage Default { get; } = new();

    public int TotalTokens => PromptTokens + CompletionTokens;
}
