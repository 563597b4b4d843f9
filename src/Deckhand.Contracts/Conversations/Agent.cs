using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Conversations;

/// <summary>The agent of a conversation (<c>kind: "Agent"</c>): its LLM, tools and prompt settings.</summary>
public sealed record AgentSpec
{
    public required LlmConfig Llm { get; init; }
    public IReadOnlyList<ToolSpec> Tools { get; set; } = [];
    /// <summary>MCP servers whose tools the agent gets (spec §5.7); secrets inside are redacted on the wire.</summary>
    public McpConfig? McpConfig { get; set; }
    public string? FilterToolsRegex { get; set; }
    public IReadOnlyList<string> IncludeDefaultTools { get; set; } = ["FinishTool", "ThinkTool"];
    public JsonElement? AgentContext { get; set; }
    /// <summary>Inline system prompt; replaces Deckhand's own static prompt when set.</summary>
    public string? SystemPrompt { get; set; }
    public string SystemPromptFilename { get; set; } = "system_prompt.j2";
    public string SecurityPolicyFilename { get; set; } = "security_policy.j2";
    public JsonElement? SystemPromptKwargs { get; set; }
    /// <summary>How the history is condensed; null means Deckhand's default (see <see cref="LLMSummarizingCondenser"/>).</summary>
    public CondenserSpec? Condenser { get; set; }
    public JsonElement? Critic { get; set; }
    public int ToolConcurrencyLimit { get; set; } = 1;
    /// <summary>Only <c>Agent</c> is supported; OpenHands' ACPAgent is not.</summary>
    public string Kind { get; set; } = "Agent";
}

public sealed record ToolSpec
{
    public required string Name { get; init; }
    public JsonElement? Params { get; set; }
}

/// <summary>LLM settings, a subset of OpenHands' LLM model (every field here exists there).</summary>
public sealed record LlmConfig
{
    public string Model { get; set; } = "gpt-5.5";
    public SecretString? ApiKey { get; set; }
    public string? BaseUrl { get; set; }
    public string? ApiVersion { get; set; }
    public int NumRetries { get; set; } = 5;
    public double RetryMultiplier { get; set; } = 8.0;
    public double RetryMinWait { get; set; } = 8;
    public double RetryMaxWait { get; set; } = 64;
    public double? Timeout { get; set; } = 300;
    public int MaxMessageChars { get; set; } = 30000;
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? TopK { get; set; }
    public int? MaxInputTokens { get; set; }
    public int? MaxOutputTokens { get; set; }
    public IReadOnlyDictionary<string, string>? ExtraHeaders { get; set; }
    public double? InputCostPerToken { get; set; }
    public double? OutputCostPerToken { get; set; }
    public bool Stream { get; set; }
    public bool DropParams { get; set; } = true;
    public bool CachingPrompt { get; set; } = true;
    public bool NativeToolCalling { get; set; } = true;
    public string? ReasoningEffort { get; set; } = "high";
    /// <summary>Anthropic extended thinking: the most tokens a reply may spend thinking (capped below max_tokens); null turns it off.</summary>
    public int? ExtendedThinkingBudget { get; set; } = 200000;
    public int? Seed { get; set; }
    public string UsageId { get; set; } = "default";
}

/// <summary>Where the agent works. Only <c>LocalWorkspace</c> exists.</summary>
public sealed record Workspace
{
    public required string WorkingDir { get; init; }
    public string Kind { get; set; } = "LocalWorkspace";
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(NeverConfirm), nameof(NeverConfirm))]
[JsonDerivedType(typeof(AlwaysConfirm), nameof(AlwaysConfirm))]
[JsonDerivedType(typeof(ConfirmRisky), nameof(ConfirmRisky))]
public abstract record ConfirmationPolicy;

public sealed record NeverConfirm : ConfirmationPolicy;

public sealed record AlwaysConfirm : ConfirmationPolicy;

public sealed record ConfirmRisky : ConfirmationPolicy
{
    public Tools.SecurityRisk Threshold { get; set; } = Tools.SecurityRisk.High;
    public bool ConfirmUnknown { get; set; } = true;
}
