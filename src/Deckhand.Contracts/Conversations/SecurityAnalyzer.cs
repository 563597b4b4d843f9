using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Conversations;

/// <summary>
/// Rates the risk of each tool call before it runs; the confirmation policy then decides whether the user must
/// approve it. Without an analyzer every call is rated <c>UNKNOWN</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LLMSecurityAnalyzer), nameof(LLMSecurityAnalyzer))]
[JsonDerivedType(typeof(PatternSecurityAnalyzer), nameof(PatternSecurityAnalyzer))]
public abstract record SecurityAnalyzer;

/// <summary>Trusts the <c>security_risk</c> the model attached to each call.</summary>
public sealed record LLMSecurityAnalyzer : SecurityAnalyzer;

/// <summary>
/// The model's <c>security_risk</c>, raised (never lowered) by Deckhand's rules: destructive commands, writes outside
/// the workspace, secret exfiltration and installs from the network.
/// </summary>
public sealed record PatternSecurityAnalyzer : SecurityAnalyzer;
