using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Conversations;

namespace Deckhand.Contracts.AppServer;

/// <summary>
/// <c>POST /api/v1/app-conversations</c> (V1 spec §4.1, baseline fields): what to start a conversation with. Also kept,
/// as given (after a parent's values are inherited), in every start task. Unknown fields are ignored.
/// </summary>
public sealed record AppConversationStartRequest
{
    /// <summary>Reuse this sandbox; null starts a new one.</summary>
    public string? SandboxId { get; set; }
    public SendMessageRequest? InitialMessage { get; set; }
    /// <summary>Callback processors (<c>{"kind": ...}</c>); null means the default <c>SetTitleCallbackProcessor</c>.</summary>
    public IReadOnlyList<JsonElement>? Processors { get; set; }
    public string? LlmModel { get; set; }
    /// <summary><c>owner/repo</c> (with a provider token), a git URL, or a local path of a git repository.</summary>
    public string? SelectedRepository { get; set; }
    public string? SelectedBranch { get; set; }
    public string? GitProvider { get; set; }
    public string? Title { get; set; }
    public string? Trigger { get; set; }
    public IReadOnlyList<int> PrNumber { get; set; } = [];
    public string? ParentConversationId { get; set; }
    /// <summary><c>default</c> or <c>plan</c>.</summary>
    public string AgentType { get; set; } = "default";
}

/// <summary>Where a start task is (names are the wire values, in order of progression; <c>ERROR</c> can follow any).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AppConversationStartTaskStatus>))]
public enum AppConversationStartTaskStatus
{
    [JsonStringEnumMemberName("WORKING")] Working,
    [JsonStringEnumMemberName("WAITING_FOR_SANDBOX")] WaitingForSandbox,
    [JsonStringEnumMemberName("PREPARING_REPOSITORY")] PreparingRepository,
    [JsonStringEnumMemberName("RUNNING_SETUP_SCRIPT")] RunningSetupScript,
    [JsonStringEnumMemberName("SETTING_UP_GIT_HOOKS")] SettingUpGitHooks,
    [JsonStringEnumMemberName("SETTING_UP_SKILLS")] SettingUpSkills,
    [JsonStringEnumMemberName("STARTING_CONVERSATION")] StartingConversation,
    [JsonStringEnumMemberName("READY")] Ready,
    [JsonStringEnumMemberName("ERROR")] Error,
}

/// <summary>One snapshot of a conversation being started (V1 spec §4.3). Ids are 32-char hex.</summary>
public sealed record AppConversationStartTask
{
    public required string Id { get; init; }
    public string? CreatedByUserId { get; set; }
    public AppConversationStartTaskStatus Status { get; set; }
    /// <summary>Why the task failed (<c>ERROR</c>): the step and the cause.</summary>
    public string? Detail { get; set; }
    public string? AppConversationId { get; set; }
    public string? SandboxId { get; set; }
    public string? AgentServerUrl { get; set; }
    public required AppConversationStartRequest Request { get; init; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed record AppConversationStartTaskPage(
    IReadOnlyList<AppConversationStartTask> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextPageId);

/// <summary>A conversation's token counts, as the catalogue keeps them.</summary>
public sealed record AppTokenUsage
{
    public string Model { get; set; } = "";
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public long ContextWindow { get; set; }
    public long PerTurnToken { get; set; }
    public string ResponseId { get; set; } = "";
}

/// <summary>OpenHands' <c>MetricsSnapshot</c>, rebuilt from the catalogue's columns.</summary>
public sealed record AppMetricsSnapshot
{
    public string ModelName { get; set; } = "default";
    public double AccumulatedCost { get; set; }
    public double? MaxBudgetPerTask { get; set; }
    public AppTokenUsage AccumulatedTokenUsage { get; set; } = new();
}

/// <summary>
/// A V1 conversation of the catalogue with its live state (V1 spec §4.4): the stored <c>AppConversationInfo</c>
/// fields plus <c>sandbox_status</c>, <c>execution_status</c>, <c>conversation_url</c> and <c>session_api_key</c>
/// read from the sandbox. Ids are 32-char hex.
/// </summary>
public sealed record AppConversation
{
    public required string Id { get; init; }
    public string? CreatedByUserId { get; set; }
    public required string SandboxId { get; init; }
    public string? SelectedRepository { get; set; }
    public string? SelectedBranch { get; set; }
    public string? GitProvider { get; set; }
    public string? Title { get; set; }
    public string? Trigger { get; set; }
    public IReadOnlyList<int> PrNumber { get; set; } = [];
    public string? LlmModel { get; set; }
    public AppMetricsSnapshot? Metrics { get; set; }
    public string? ParentConversationId { get; set; }
    public IReadOnlyList<string> SubConversationIds { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public bool? Public { get; set; }
    public SandboxStatus SandboxStatus { get; set; } = SandboxStatus.Missing;
    public ExecutionStatus? ExecutionStatus { get; set; }
    public string? ConversationUrl { get; set; }
    public string? SessionApiKey { get; set; }
}

public sealed record AppConversationPage(
    IReadOnlyList<AppConversation> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextPageId);

/// <summary><c>POST /api/v1/app-conversations/{id}/send-message</c> (V1 spec §2).</summary>
public sealed record AppSendMessageRequest
{
    public string Role { get; set; } = "user";
    public IReadOnlyList<Content.ContentItem> Content { get; set; } = [];
    public bool Run { get; set; } = true;
}

/// <summary>The answer of send-message; <c>message</c> says when the message was queued rather than delivered.</summary>
public sealed record AppSendMessageResponse(bool Success, SandboxStatus? SandboxStatus, string? Message);

/// <summary><c>POST /api/v1/conversations/{id}/pending-messages</c> (V1 spec §2): the queued message and its 1-based place.</summary>
public sealed record PendingMessageResponse(string Id, bool Queued, int Position);
