using Deckhand.Contracts.Skills;

namespace Deckhand.Engine.Skills;

/// <summary>Where a skill was found, in priority order (an earlier origin wins a name clash).</summary>
internal enum SkillOrigin
{
    /// <summary><c>agent.agent_context.skills</c> in the create request.</summary>
    Request,
    /// <summary>The workspace (working directory, then its git root).</summary>
    Project,
    /// <summary>The Deckhand data directory's <c>skills/</c> folder.</summary>
    User,
}

/// <summary>
/// One skill: knowledge for the agent. Without keywords or paths it is always on (repository instructions such as
/// AGENTS.md go into the system prompt); with keywords it is added to the user message that mentions one; an
/// AgentSkills folder (<c>SKILL.md</c>) is listed in the system prompt and read by the agent when it needs it.
/// A file that could not be read keeps its <see cref="Error"/> and is never used.
/// </summary>
internal sealed record Skill
{
    public required string Name { get; init; }
    public string Content { get; init; } = "";
    public required string Source { get; init; }
    public required SkillOrigin Origin { get; init; }
    public IReadOnlyList<string> Keywords { get; init; } = [];
    /// <summary>A task skill (front matter <c>inputs:</c>): keywords include <c>/name</c>.</summary>
    public bool IsTask { get; init; }
    public IReadOnlyList<string> Paths { get; init; } = [];
    public string? Description { get; init; }
    /// <summary>A <c>SKILL.md</c> folder (AgentSkills format).</summary>
    public bool IsAgentSkills { get; init; }
    /// <summary>AGENTS.md, CLAUDE.md, GEMINI.md or .cursorrules.</summary>
    public bool IsThirdParty { get; init; }
    public string? Error { get; init; }

    public bool HasKeywords => Keywords.Count > 0;

    public bool IsPathRule => Paths.Count > 0;

    /// <summary>Always-on knowledge that belongs in the system prompt's repository context.</summary>
    public bool IsRepoContext => Error is null && !HasKeywords && !IsPathRule && !IsAgentSkills;

    public SkillTrigger? Trigger =>
        IsPathRule ? new SkillTrigger { Type = "path", Paths = Paths }
        : !HasKeywords ? null
        : IsTask ? new SkillTrigger { Type = "task", Triggers = Keywords }
        : new SkillTrigger { Type = "keyword", Keywords = Keywords };

    public string OriginName => Origin switch
    {
        SkillOrigin.Request => "request",
        SkillOrigin.Project => "project",
        _ => "user",
    };

    public static Skill Broken(string name, string source, SkillOrigin origin, string error) =>
        new() { Name = name, Source = source, Origin = origin, Error = error };
}
