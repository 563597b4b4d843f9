using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Skills;

/// <summary>
/// When a skill applies, as OpenHands writes a skill's <c>trigger</c>: <c>{"type":"keyword","keywords":[..]}</c>,
/// <c>{"type":"task","triggers":[..]}</c> or <c>{"type":"path","paths":[..]}</c>. No trigger means always active.
/// </summary>
public sealed record SkillTrigger
{
    public required string Type { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Keywords { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Triggers { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Paths { get; set; }
}

/// <summary>Deckhand's <c>GET /api/conversations/{id}/skills</c>: every skill the conversation found, and why it is or is not in use.</summary>
public sealed record ConversationSkills(IReadOnlyList<SkillStatus> Skills);

/// <summary>One skill of a conversation. <see cref="Error"/> is set for a file that could not be read as a skill.</summary>
public sealed record SkillStatus
{
    public required string Name { get; init; }
    /// <summary>The file it came from, or <c>agent_context.skills</c> for skills sent with the request.</summary>
    public required string Source { get; init; }
    /// <summary><c>request</c>, <c>project</c> or <c>user</c>.</summary>
    public required string Origin { get; init; }
    public SkillTrigger? Trigger { get; set; }
    public bool IsAgentskillsFormat { get; set; }
    public bool Active { get; set; }
    public required string ActiveReason { get; init; }
    public string? Error { get; set; }
}

/// <summary><c>POST /api/skills</c>: which sources to load skills from. Public and organisation skills are not supported (ignored).</summary>
public sealed record SkillsRequest
{
    public bool LoadPublic { get; set; } = true;
    public bool LoadUser { get; set; } = true;
    public bool LoadProject { get; set; } = true;
    public bool LoadOrg { get; set; } = true;
    public string? ProjectDir { get; set; }
}

/// <summary>The answer to <c>POST /api/skills</c>: the merged skills and how many came from each source.</summary>
public sealed record SkillsResponse(IReadOnlyList<SkillInfo> Skills, IReadOnlyDictionary<string, int> Sources);

/// <summary>A skill as OpenHands' skills route lists it; <c>type</c> is <c>repo</c>, <c>knowledge</c> or <c>agentskills</c>.</summary>
public sealed record SkillInfo
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string Content { get; init; }
    public IReadOnlyList<string> Triggers { get; set; } = [];
    public string? Source { get; set; }
    public string? Description { get; set; }
    public bool IsAgentskillsFormat { get; set; }
    public bool DisableModelInvocation { get; set; }
    public IReadOnlyList<string>? AllowedTools { get; set; }
}
