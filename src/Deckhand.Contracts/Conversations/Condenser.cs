using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Conversations;

/// <summary>An agent's <c>condenser</c>: how its history is shortened when it grows too long.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LLMSummarizingCondenser), nameof(LLMSummarizingCondenser))]
[JsonDerivedType(typeof(NoOpCondenser), nameof(NoOpCondenser))]
[JsonDerivedType(typeof(PipelineCondenser), nameof(PipelineCondenser))]
public abstract record CondenserSpec;

/// <summary>
/// Summarises the middle of the history with an LLM (its own <see cref="Llm"/>, else the agent's) when the view has
/// more than <see cref="MaxSize"/> events, when the last prompt exceeded <see cref="MaxTokens"/> or the model's
/// context window, or when a condensation was requested. The defaults are OpenHands' class defaults; an agent without
/// a condenser gets <see cref="MaxSize"/> 80 and <see cref="KeepFirst"/> 4, like OpenHands' default agent.
/// </summary>
public sealed record LLMSummarizingCondenser : CondenserSpec
{
    public LlmConfig? Llm { get; set; }
    public int MaxSize { get; set; } = 240;
    public int? MaxTokens { get; set; }
    public int KeepFirst { get; set; } = 2;
    public double MinimumProgress { get; set; } = 0.1;
    public int HardContextResetMaxRetries { get; set; } = 5;
    public double HardContextResetContextScaling { get; set; } = 0.8;
}

/// <summary>Never condenses; a context-window error then ends the run.</summary>
public sealed record NoOpCondenser : CondenserSpec;

/// <summary>Condensers applied in order. Deckhand uses the first <see cref="LLMSummarizingCondenser"/> among them.</summary>
public sealed record PipelineCondenser : CondenserSpec
{
    public IReadOnlyList<CondenserSpec> Condensers { get; set; } = [];
}
