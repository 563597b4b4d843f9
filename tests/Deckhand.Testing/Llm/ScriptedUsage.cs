namespace Deckhand.Testing.Llm;

/// <summary>Token usage a scripted reply reports, in OpenAI's <c>usage</c> shape.</summary>
/// <param name="PromptTokens">Reported as <c>prompt_tokens</c>.</param>
/// <param name="CompletionTokens">Reported as <c>completion_tokens</c>.</param>
/// <param name="CachedTokens">Reported as <c>prompt_tokens_details.cached_tokens</c>.</param>
/// <param name="ReasoningTokens">Reported as <c>completion_tokens_details.reasoning_tokens</c>.</param>
/// <param name="CacheWriteTokens">Anthropic only: <c>cache_creation_input_tokens</c>. In Anthropic's format
/// <c>input_tokens</c> is <paramref name="PromptTokens"/> minus the cache reads and writes, <c>cache_read_input_tokens</c>
/// is <paramref name="CachedTokens"/>.</param>
public sealed record ScriptedUsage(
    int PromptTokens = 100, int CompletionTokens = 20, int CachedTokens = 0, int ReasoningTokens = 0, int CacheWriteTokens = 0)
{
    public static ScriptedUsage Default { get; } = new();

    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>Anthropic's <c>input_tokens</c>: the prompt tokens neither read from nor written to the cache.</summary>
    public int UncachedInputTokens => Math.Max(0, PromptTokens - CachedTokens - CacheWriteTokens);
}
