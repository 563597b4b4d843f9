using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Conversations;

/// <summary>The agent of a conversation (<c>kind: "Agent"</c>): its LLM, tools and prompt settings.</summary>
public sealed record AgentSpec
{
    public required LlmConfig Llm { get; init; }
    public IReadOnlyList<ToolSpec> Tools { get; init; } = [];
    public JsonElement? McpConfig { get; init; }
    public string? FilterToolsRegex { get; init; }
    public IReadOnlyList<string> IncludeDefaultTools { get; init; } = ["FinishTool", "ThinkTool"];
    public JsonElement? AgentContext { get; init; }
    /// <summary>Inline system prompt; replaces Deckhand's own static prompt when set.</summary>
    public string? SystemPrompt { get; init; }
    public string SystemPromptFilename { get; init; } = "system_prompt.j2";
    public string SecurityPolicyFilename { get; init; } = "security_policy.j2";
    public JsonElement? SystemPromptKwargs { get; init; }
    public JsonElement? Condenser { get; init; }
    public JsonElement? Critic { get; init; }
    public int ToolConcurrencyLimit { get; init; } = 1;
    /// <summary>Only <c>Agent</c> is supported; OpenHands' ACPAgent is not.</summary>
    public string Kind { get; init; } = "Agent";
}

public sealed record ToolSpec
{
    public required string Name { get; init; }
    public JsonElement? Params { get; init; }
}

/// <summary>LLM settings, a subset of OpenHands' LLM model (every field here exists there).</summary>
public sealed record LlmConfig
{
    public string Model { get; init; } = "gpt-5.5";
    public SecretString? ApiKey { get; init; }
    public string? BaseUrl { get; init; }
    public string? ApiVersion { get; init; }
    public int NumRetries { get; init; } = 5;
    public double RetryMultiplier { get; init; } = 8.0;
    public double RetryMinWait { get; init; } = 8;
    public double RetryMaxWait { get; init; } = 64;
    public double? Timeout { get; init; } = 300;
    public int MaxMessageChars { get; init; } = 30000;
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? TopK { get; init; }
    public int? MaxInputTokens { get; init; }
    public int? MaxOutputTokens { get; init; }
    public IReadOnlyDictionary<string, string>? ExtraHeaders { get; init; }
    public double? InputCostPerToken { get; init; }
    public double? OutputCostPerToken { get; init; }
    public bool Stream { get; init; }
    public bool DropParams { get; init; } = true;
    public bool CachingPrompt { get; init; } = true;
    public bool NativeToolCalling { get; init; } = true;
    public string? ReasoningEffort { get; init; } = "high";
    public int? Seed { get; init; }
    public string UsageId { get; init; } = "default";
}

/// <summary>Where the agent works. Only <c>LocalWorkspace</c> exists.</summary>
public sealed record Workspace
{
    public required string WorkingDir { get; init; }
    public string Kind { get; init; } = "LocalWorkspace";
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
    public Tools.SecurityRisk Threshold { get; init; } = Tools.SecurityRisk.High;
    public bool ConfirmUnknown { get; init; } = true;
}
