using Deckhand.Contracts.Conversations;

namespace Deckhand.Engine.Agent.Condensers;

/// <summary>
/// The LLM-summarizing condenser an agent uses, read from its <c>condenser</c> (spec §4.6): an
/// <see cref="LLMSummarizingCondenser"/> as given, the first one inside a <see cref="PipelineCondenser"/>, none for
/// <see cref="NoOpCondenser"/>, and OpenHands' default-agent settings (max_size 80, keep_first 4) when the agent names no
/// condenser at all.
/// </summary>
internal sealed record CondenserSettings
{
    public required LlmConfig Llm { get; init; }
    public int MaxSize { get; init; }
    public int? MaxTokens { get; init; }
    public int KeepFirst { get; init; }
    public double MinimumProgress { get; init; }
    public int HardResetMaxRetries { get; init; }
    public double HardResetScaling { get; init; }

    /// <summary>Deckhand's condenser for an agent that names none: OpenHands' default agent's.</summary>
    public static LLMSummarizingCondenser Default => new() { MaxSize = 80, KeepFirst = 4 };

    /// <returns>The settings, or null when the agent does not condense.</returns>
    public static CondenserSettings? For(AgentSpec agent)
    {
        if (Summarizing(agent.Condenser ?? Default) is not { } spec)
            return null;
        // Its own LLM when given (never streaming: nobody watches a summary being written), else the agent's.
        var llm = spec.Llm is { } own ? own with { Stream = false } : agent.Llm with { Stream = false };
        if (llm.UsageId == agent.Llm.UsageId)
            llm = llm with { UsageId = AgentRuntime.CondenserUsageId };
        return new CondenserSettings
        {
            Llm = llm,
            MaxSize = spec.MaxSize,
            MaxTokens = spec.MaxTokens,
            KeepFirst = spec.KeepFirst,
            MinimumProgress = spec.MinimumProgress,
            HardResetMaxRetries = spec.HardContextResetMaxRetries,
            HardResetScaling = spec.HardContextResetContextScaling,
        };
    }

    private static LLMSummarizingCondenser? Summarizing(CondenserSpec spec) => spec switch
    {
        LLMSummarizingCondenser summarizing => summarizing,
        PipelineCondenser pipeline => pipeline.Condensers.Select(Summarizing).FirstOrDefault(s => s is not null),
        _ => null,
    };

    /// <summary>What is wrong with a <c>condenser</c> a client sent, as (field path under the condenser, message) pairs.</summary>
    public static IEnumerable<(string Field, string Message)> Problems(CondenserSpec? spec, string path = "")
    {
        switch (spec)
        {
            case LLMSummarizingCondenser s:
                if (s.KeepFirst < 0)
                    yield return (path + "keep_first", "keep_first must not be negative.");
                if (s.MaxSize < 1)
                    yield return (path + "max_size", "max_size must be at least 1.");
                else if (s.MaxSize / 2 - s.KeepFirst - 1 <= 0)
                {
                    yield return (path + "max_size",
                        $"max_size // 2 - keep_first - 1 must be positive (max_size {s.MaxSize}, keep_first {s.KeepFirst}): "
                        + "a condensation must leave room for recent events after the kept head.");
                }
                if (s.MaxTokens is < 1)
                    yield return (path + "max_tokens", "max_tokens must be at least 1 when set.");
                if (s.MinimumProgress is <= 0 or > 1 || double.IsNaN(s.MinimumProgress))
                    yield return (path + "minimum_progress", "minimum_progress must be above 0 and at most 1.");
                if (s.HardContextResetMaxRetries < 0)
                    yield return (path + "hard_context_reset_max_retries", "hard_context_reset_max_retries must not be negative.");
                if (s.HardContextResetContextScaling is <= 0 or >= 1 || double.IsNaN(s.HardContextResetContextScaling))
                    yield return (path + "hard_context_reset_context_scaling", "hard_context_reset_context_scaling must be between 0 and 1.");
                if (s.Llm is { } llm && string.IsNullOrWhiteSpace(llm.Model))
                    yield return (path + "llm.model", "model must not be empty.");
                break;
            case PipelineCondenser p:
                for (var i = 0; i < p.Condensers.Count; i++)
                {
                    foreach (var problem in Problems(p.Condensers[i], $"{path}condensers.{i}."))
                        yield return problem;
                }
                break;
        }
    }
}
