namespace Deckhand.Engine.Conversations;

/// <summary>Settings of the conversation engine, shared by the agent-server and <c>deckhand run</c>.</summary>
public sealed record EngineOptions
{
    /// <summary>Root of Deckhand's data: the database and per-conversation folders.</summary>
    public required string DataDir { get; init; }

    /// <summary>Idle conversations (not running, nobody subscribed) are unloaded from memory after this long.</summary>
    public TimeSpan IdleUnloadAfter { get; init; } = TimeSpan.FromMinutes(20);

    public int MaxSubscribersPerConversation { get; init; } = Events.EventHub.DefaultMaxSubscribers;

    /// <summary>Hears every conversation's commits (the agent-server's webhooks); null for none.</summary>
    public IConversationObserver? Observer { get; init; }

    /// <summary>How shells started for conversations are isolated.</summary>
    public Isolation.IShellIsolation Isolation { get; init; } = new Isolation.NoIsolation();

    /// <summary>
    /// Whether auto-titles come from a short call to the agent's model, or only from the first message cut to length.
    /// The agent-server turns it on (unless <c>--no-llm-titles</c>); <c>deckhand run</c>, a one-shot run, leaves it off.
    /// </summary>
    public bool LlmTitles { get; init; }

    /// <summary>How long an MCP tool call may run unless its server's config sets <c>timeout</c> (OpenHands: 300 s).</summary>
    public TimeSpan McpCallTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long an MCP server may take to start and list its tools before it is reported as failed.</summary>
    public TimeSpan McpStartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string ConversationsDir => Path.Combine(DataDir, "conversations");

    /// <summary>User skills, loaded into every conversation (unless <c>load_user_skills</c> is false): <c>&lt;data-dir&gt;/skills</c>.</summary>
    public string UserSkillsDir => Path.Combine(DataDir, "skills");

    public string PersistenceDirFor(Guid id) => Path.Combine(ConversationsDir, id.ToString("N"));
}
