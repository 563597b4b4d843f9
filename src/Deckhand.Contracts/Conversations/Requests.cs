using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Llm;

namespace Deckhand.Contracts.Conversations;

/// <summary><c>POST /api/conversations</c>. Unknown fields are ignored; unsupported features are refused with 422.</summary>
public sealed record StartConversationRequest
{
    public required Workspace Workspace { get; init; }
    public AgentSpec? Agent { get; set; }
    public JsonElement? AgentSettings { get; set; }
    public Guid? AgentProfileId { get; set; }
    public Guid? ConversationId { get; set; }
    public Guid? ParentConversationId { get; set; }
    public ConfirmationPolicy ConfirmationPolicy { get; set; } = new NeverConfirm();
    public SecurityAnalyzer? SecurityAnalyzer { get; set; }
    public SendMessageRequest? InitialMessage { get; set; }
    public int MaxIterations { get; set; } = 500;
    public bool StuckDetection { get; set; } = true;
    public IReadOnlyDictionary<string, JsonElement> Secrets { get; set; } = new Dictionary<string, JsonElement>();
    public IReadOnlyDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>();
    public bool Autotitle { get; set; } = true;
    /// <summary>OpenHands' named LLM profile for titles. Deckhand has no profile store, so titles use the agent's LLM
    /// (OpenHands' own fallback when a profile does not load).</summary>
    public string? TitleLlmProfile { get; set; }
    public bool Worktree { get; set; }

    /// <summary>Deckhand extension: the USD budget of the conversation (its stats' <c>max_budget_per_task</c>); the run
    /// stops with <c>MaxBudgetReached</c> before an LLM call once the summed cost reaches it. Null = no budget.</summary>
    public double? MaxBudgetPerTask { get; set; }

    /// <summary>
    /// Deckhand extension: the JSON text of a recorded V0 trajectory (a list of V0 event dicts, as V0's
    /// <c>/trajectory</c> returns it). Its first user message starts the conversation and its agent actions are replayed
    /// as real tool calls before the model is asked anything. Not allowed together with <c>initial_message</c>.
    /// </summary>
    public string? ReplayJson { get; set; }
}

/// <summary><c>POST /api/conversations/{id}/events</c>: <c>content</c> must be an array of parts.</summary>
public sealed record SendMessageRequest
{
    public MessageRole Role { get; set; } = MessageRole.User;
    public IReadOnlyList<ContentItem> Content { get; set; } = [];
    public bool Run { get; set; }
}

/// <summary><c>PATCH /api/conversations/{id}</c>.</summary>
public sealed record UpdateConversationRequest
{
    public string? Title { get; set; }
    public IReadOnlyDictionary<string, string>? Tags { get; set; }

    /// <summary>Deckhand extension: sets or raises the budget (USD); <c>POST /run</c> then continues a stopped run.</summary>
    public double? MaxBudgetPerTask { get; set; }

    /// <summary>
    /// Deckhand extension: sets the per-run step limit (at least 1). A running loop reads it before every step, so
    /// raising it mid-run lets that run go on; after <c>MaxIterationsReached</c>, <c>POST /run</c> continues.
    /// </summary>
    public int? MaxIterations { get; set; }
}

/// <summary><c>POST /api/conversations/{id}/fork</c>; the body is optional.</summary>
public sealed record ForkConversationRequest
{
    /// <summary>The fork's id; a new one when null. An id that exists already is a 409.</summary>
    public Guid? Id { get; set; }
    /// <summary>The fork's title; the source's title when null.</summary>
    public string? Title { get; set; }
    /// <summary>The fork's tags; the source's tags when null.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; set; }
    /// <summary>Start the fork with empty usage (the budget carries over); false copies the source's stats.</summary>
    public bool ResetMetrics { get; set; } = true;
    /// <summary>Copy events up to and including this one; the whole log when null.</summary>
    public string? FromEventId { get; set; }
}

/// <summary><c>POST /api/conversations/{id}/ask_agent</c>.</summary>
public sealed record AskAgentRequest
{
    public required string Question { get; init; }
}

/// <summary>The answer of <c>ask_agent</c>: <c>{"response": str}</c>.</summary>
public sealed record AskAgentResponse(string Response);

/// <summary><c>POST /api/conversations/{id}/confirmation_policy</c>.</summary>
public sealed record SetConfirmationPolicyRequest
{
    public required ConfirmationPolicy Policy { get; init; }
}

/// <summary><c>POST /api/conversations/{id}/security_analyzer</c>: the field is required; null removes the analyzer.</summary>
public sealed record SetSecurityAnalyzerRequest
{
    public required SecurityAnalyzer? SecurityAnalyzer { get; init; }
}

/// <summary><c>POST /api/conversations/{id}/events/respond_to_confirmation</c>.</summary>
public sealed record ConfirmationResponseRequest
{
    public required bool Accept { get; init; }
    public string Reason { get; set; } = "User rejected the action.";
}

public sealed record ConversationPage(
    IReadOnlyList<ConversationInfo> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? NextPageId);

/// <summary>A page of events; <c>next_page_id</c> is always written, null on the last page.</summary>
public sealed record EventPage(
    IReadOnlyList<Events.Event> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? NextPageId);

public sealed record SuccessResponse(bool Success)
{
    public static SuccessResponse True { get; } = new(true);
    public static SuccessResponse False { get; } = new(false);
}

public sealed record AgentFinalResponse(string Response);
