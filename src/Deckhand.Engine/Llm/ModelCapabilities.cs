using Deckhand.Contracts.Conversations;

namespace Deckhand.Engine.Llm;

/// <summary>
/// What a model accepts, judged from its name (OpenHands asks LiteLLM's model table; this is the short list Deckhand
/// needs): which models take <c>reasoning_effort</c>, which Claude models think, and context windows of common models.
/// </summary>
public static class ModelCapabilities
{
    // Longest prefix wins. Input context windows in tokens.
    private static readonly (string Prefix, int Tokens)[] ContextWindows =
    [
        ("gpt-5", 272_000),
        ("gpt-4.1", 1_047_576),
        ("gpt-4o", 128_000),
        ("gpt-oss", 131_072),
        ("o1", 200_000),
        ("o3", 200_000),
        ("o4-mini", 200_000),
        ("claude-", 200_000),
        ("deepseek-", 128_000),
        ("qwen3-coder", 262_144),
        ("devstral", 131_072),
    ];

    /// <summary>The bare model name: <c>openai/gpt-5</c> → <c>gpt-5</c>, lower case.</summary>
    public static string BareName(string model) => model[(model.LastIndexOf('/') + 1)..].ToLowerInvariant();

    /// <summary>OpenAI reasoning models, which take <c>reasoning_effort</c> and reject sampling parameters.</summary>
    public static bool SupportsReasoningEffort(string model)
    {
        var name = BareName(model);
        return name.StartsWith("o1", StringComparison.Ordinal) || name.StartsWith("o3", StringComparison.Ordinal)
            || name.StartsWith("o4", StringComparison.Ordinal) || name.StartsWith("gpt-5", StringComparison.Ordinal)
            || name.StartsWith("gpt-oss", StringComparison.Ordinal);
    }

    /// <summary>Claude models with extended thinking (3.7 Sonnet and the Claude 4 family).</summary>
    public static bool SupportsExtendedThinking(string model)
    {
        var name = BareName(model);
        return name.StartsWith("claude-3-7-sonnet", StringComparison.Ordinal) || name.StartsWith("claude-sonnet-4", StringComparison.Ordinal)
            || name.StartsWith("claude-opus-4", StringComparison.Ordinal) || name.StartsWith("claude-haiku-4", StringComparison.Ordinal)
            || name.StartsWith("claude-4", StringComparison.Ordinal);
    }

    /// <summary>
    /// How many prompt tokens the model takes: <c>max_input_tokens</c> when set, else the known context window less the
    /// tokens reserved for the reply (<c>max_output_tokens</c>); null when unknown.
    /// </summary>
    public static int? InputLimit(LlmConfig config)
    {
        if (config.MaxInputTokens is > 0 and var max)
            return max;
        if (ContextWindow(config.Model) is not { } window)
            return null;
        return Math.Max(1, window - (config.MaxOutputTokens ?? 0));
    }

    /// <summary>The model's context window in tokens, from the table; null when unknown.</summary>
    public static int? ContextWindow(string model)
    {
        var name = BareName(model);
        int? best = null;
        var bestLength = 0;
        foreach (var (prefix, tokens) in ContextWindows)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal) && prefix.Length > bestLength)
            {
                best = tokens;
                bestLength = prefix.Length;
            }
        }
        return best;
    }
}
