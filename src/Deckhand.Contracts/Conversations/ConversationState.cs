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
    public string? PersistenceDir { get; set; }
    public int MaxIterations { get; set; } = 500;
    public bool StuckDetection { get; set; } = true;
    public ExecutionStatus ExecutionStatus { get; set; } = ExecutionStatus.Idle;
    public ConfirmationPolicy ConfirmationPolicy { get; set; } = new NeverConfirm();
    public SecurityAnalyzer? SecurityAnalyzer { get; set; }
    public IReadOnlyList<string> ActivatedKnowledgeSkills { get; set; } = [];
    public IReadOnlyList<string> InvokedSkills { get; set; } = [];
    public IReadOnlyDictionary<string, string> BlockedActions { get; set; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> BlockedMessages { get; set; } = new Dictionary<string, string>();
    public string? LastUserMessageId { get; set; }
    public string? LeafEventId { get; set; }
    public ConversationStats Stats { get; set; } = new();
    public SecretRegistry SecretRegistry { get; set; } = new();
    public IReadOnlyDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>();
    /// <summary>Free-form; OpenHands defaults it to <c>{}</c> and its clients reject <c>null</c>.</summary>
    public JsonElement? AgentState { get; set; } = EmptyObject();
    public JsonElement? HookConfig { get; set; }

    internal static JsonElement EmptyObject()
    {
        using var document = JsonDocument.Parse("{}");
        return document.RootElement.Clone();
    }
}

/// <summary>The conversation's secrets by name (values redacted except in storage).</summary>
public sealed record SecretRegistry
{
    public IReadOnlyDictionary<string, SecretSource> SecretSources { get; set; } = new Dictionary<string, SecretSource>();
}

/// <summary>Deckhand-side facts about a conversation that are not OpenHands state fields.</summary>
public sealed record ConversationMeta
{
    public string? Title { get; set; }
    public bool Autotitle { get; set; } = true;
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Why the conversation is in its status, when that is not obvious (e.g. recovered after a restart).</summary>
    public string? StatusReason { get; set; }
    /// <summary>The conversation this one is a sub-conversation of (set at creation, never changed).</summary>
    public Guid? ParentConversationId { get; set; }
    /// <summary>Set on a fork: the conversation it was copied from.</summary>
    public Guid? ForkedFromConversationId { get; set; }
    /// <summary>Set on a fork: the last event copied from the source.</summary>
    public string? ForkedFromEventId { get; set; }
    /// <summary>
    /// Recorded tool calls still to replay before the model is asked again (a V0 <c>replay_json</c>); null or empty
    /// when there is nothing to replay. Popped in the same commit as the replayed action, so a restart continues
    /// where the replay stopped.
    /// </summary>
    public IReadOnlyList<ReplayCall>? Replay { get; set; }
}

/// <summary>What the store keeps per conversation: state plus meta, in one row.</summary>
public sealed record ConversationSnapshot(ConversationState State, ConversationMeta Meta);

/// <summary>OpenHands' <c>ConversationInfo</c>: the state fields plus catalogue fields, in OpenHands' order.</summary>
public sealed record ConversationInfo
{
    public required Guid Id { get; init; }
    public required Workspace Workspace { get; init; }
    public string? PersistenceDir { get; set; }
    public int MaxIterations { get; set; }
    public bool StuckDetection { get; set; }
    public ExecutionStatus ExecutionStatus { get; set; }
    public required ConfirmationPolicy ConfirmationPolicy { get; init; }
    public SecurityAnalyzer? SecurityAnalyzer { get; set; }
    public IReadOnlyList<string> ActivatedKnowledgeSkills { get; set; } = [];
    public IReadOnlyList<string> InvokedSkills { get; set; } = [];
    public IReadOnlyDictionary<string, string> BlockedActions { get; set; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> BlockedMessages { get; set; } = new Dictionary<string, string>();
    public string? LastUserMessageId { get; set; }
    public string? LeafEventId { get; set; }
    public required ConversationStats Stats { get; init; }
    public required SecretRegistry SecretRegistry { get; init; }
    /// <summary>Free-form; OpenHands defaults it to <c>{}</c> and its clients reject <c>null</c>.</summary>
    public JsonElement? AgentState { get; set; } = ConversationState.EmptyObject();
    public JsonElement? HookConfig { get; set; }
    public string? Title { get; set; }
    public Metrics? Metrics { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid? ForkedFromConversationId { get; set; }
    public string? ForkedFromEventId { get; set; }
    public Guid? ParentConversationId { get; set; }
    public IReadOnlyList<Guid> SubConversationIds { get; set; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>();
    public string? CurrentModelId { get; set; }
    public IReadOnlyList<JsonElement> AvailableModels { get; set; } = [];
    public bool SupportsRuntimeModelSwitch { get; set; }
    public string? LaunchedAgentProfile { get; set; }
    public required AgentSpec Agent { get; init; }
    public IReadOnlyList<JsonElement> ClientTools { get; set; } = [];

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
            ForkedFromConversationId = m.ForkedFromConversationId,
            ForkedFromEventId = m.ForkedFromEventId,
            ParentConversationId = m.ParentConversationId,
            Tags = s.Tags,
            Agent = s.Agent,
        };
    }
}
