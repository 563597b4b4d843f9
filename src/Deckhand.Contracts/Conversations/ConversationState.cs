using System.Text.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Contracts.Conversations;

/// <summary>
/// The state of one conversation: the value of a <c>full_state</c> update, and the snapshot row Deckhand stores in the
/// same transaction as the event that changed it.
/// </summary>
public sealed record ConversationState
{
    public required Guid Id { get; init; }
    public required AgentSpec Agent { get; init; }
    public required Workspace Workspace { get; init; }
    public string? PersistenceDir { get; init; }
    public int MaxIterations { get; init; } = 500;
    public bool StuckDetection { get; init; } = true;
    public ExecutionStatus ExecutionStatus { get; init; } = ExecutionStatus.Idle;
    public ConfirmationPolicy ConfirmationPolicy { get; init; } = new NeverConfirm();
    public JsonElement? SecurityAnalyzer { get; init; }
    public IReadOnlyList<string> ActivatedKnowledgeSkills { get; init; } = [];
    public IReadOnlyList<string> InvokedSkills { get; init; } = [];
    public IReadOnlyDictionary<string, string> BlockedActions { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> BlockedMessages { get; init; } = new Dictionary<string, string>();
    public string? LastUserMessageId { get; init; }
    public string? LeafEventId { get; init; }
    public ConversationStats Stats { get; init; } = new();
    public SecretRegistry SecretRegistry { get; init; } = new();
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public JsonElement? AgentState { get; init; }
    public JsonElement? HookConfig { get; init; }
}

public sealed record SecretRegistry
{
    public IReadOnlyDictionary<string, JsonElement> SecretSources { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>Deckhand-side facts about a conversation that are not OpenHands state fields.</summary>
public sealed record ConversationMeta
{
    public string? Title { get; init; }
    public bool Autotitle { get; init; } = true;
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Why the conversation is in its status, when that is not obvious (e.g. recovered after a restart).</summary>
    public string? StatusReason { get; init; }
}

/// <summary>What the store keeps per conversation: state plus meta, in one row.</summary>
public sealed record ConversationSnapshot(ConversationState State, ConversationMeta Meta);

/// <summary>OpenHands' <c>ConversationInfo</c>: the state fields plus catalogue fields, in OpenHands' order.</summary>
public sealed record ConversationInfo
{
    public required Guid Id { get; init; }
    public required Workspace Workspace { get; init; }
    public string? PersistenceDir { get; init; }
    public int MaxIterations { get; init; }
    public bool StuckDetection { get; init; }
    public ExecutionStatus ExecutionStatus { get; init; }
    public required ConfirmationPolicy ConfirmationPolicy { get; init; }
    public JsonElement? SecurityAnalyzer { get; init; }
    public IReadOnlyList<string> ActivatedKnowledgeSkills { get; init; } = [];
    public IReadOnlyList<string> InvokedSkills { get; init; } = [];
    public IReadOnlyDictionary<string, string> BlockedActions { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> BlockedMessages { get; init; } = new Dictionary<string, string>();
    public string? LastUserMessageId { get; init; }
    public string? LeafEventId { get; init; }
    public required ConversationStats Stats { get; init; }
    public required SecretRegistry SecretRegistry { get; init; }
    public JsonElement? AgentState { get; init; }
    public JsonElement? HookConfig { get; init; }
    public string? Title { get; init; }
    public Metrics? Metrics { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public Guid? ForkedFromConversationId { get; init; }
    public string? ForkedFromEventId { get; init; }
    public Guid? ParentConversationId { get; init; }
    public IReadOnlyList<Guid> SubConversationIds { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public string? CurrentModelId { get; init; }
    public IReadOnlyList<JsonElement> AvailableModels { get; init; } = [];
    public bool SupportsRuntimeModelSwitch { get; init; }
    public string? LaunchedAgentProfile { get; init; }
    public required AgentSpec Agent { get; init; }
    public IReadOnlyList<JsonElement> ClientTools { get; init; } = [];

    public static ConversationInfo From(ConversationSnapshot snapshot)
    {
        var (s, m) = snapshot;
        return new ConversationInfo
        {
            Id = s.Id,
            Workspace = s.Workspace,
            PersistenceDir = s.PersistenceDir,
            MaxIterations = s.MaxIterations,
            StuckDetection = s.StuckDetection,
            ExecutionStatus = s.ExecutionStatus,
            ConfirmationPolicy = s.ConfirmationPolicy,
            SecurityAnalyzer = s.SecurityAnalyzer,
            ActivatedKnowledgeSkills = s.ActivatedKnowledgeSkills,
            InvokedSkills = s.InvokedSkills,
            BlockedActions = s.BlockedActions,
            BlockedMessages = s.BlockedMessages,
            LastUserMessageId = s.LastUserMessageId,
            LeafEventId = s.LeafEventId,
            Stats = s.Stats,
            SecretRegistry = s.SecretRegistry,
            AgentState = s.AgentState,
            HookConfig = s.HookConfig,
            Title = m.Title,
            CreatedAt = m.CreatedAt,
            UpdatedAt = m.UpdatedAt,
            Tags = s.Tags,
            Agent = s.Agent,
        };
    }
}
