using Deckhand.Contracts.Skills;

namespace Deckhand.Engine.Skills;

/// <summary>A keyword skill that fired for a user message, and the keyword that fired it.</summary>
internal sealed record SkillMatch(Skill Skill, string Keyword);

/// <summary>
/// The skills of one conversation, in loading order (see <see cref="SkillLoader"/>). <see cref="Found"/> keeps
/// everything found, broken and shadowed files included, for the skills route; <see cref="Usable"/> is what the agent
/// uses: the first skill of each name, minus broken ones and those in <c>disabled_skills</c>. Immutable.
/// </summary>
internal sealed class SkillSet
{
    public static SkillSet Empty { get; } = new([], new HashSet<string>());

    private readonly IReadOnlySet<string> _disabled;

    public SkillSet(IReadOnlyList<Skill> found, IReadOnlySet<string> disabled)
    {
        Found = found;
        _disabled = disabled;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var usable = new List<Skill>();
        foreach (var skill in found)
        {
            if (skill.Error is not null || disabled.Contains(skill.Name) || !seen.Add(skill.Name))
                continue;
            usable.Add(skill);
        }
        Usable = usable;
    }

    public IReadOnlyList<Skill> Found { get; }

    public IReadOnlyList<Skill> Usable { get; }

    public IEnumerable<Skill> Broken => Found.Where(s => s.Error is not null);

    /// <summary>Always-on skills for the system prompt's repository context.</summary>
    public IEnumerable<Skill> RepoContext => Usable.Where(s => s.IsRepoContext);

    /// <summary>AgentSkills folders, listed in the system prompt for the agent to read on demand.</summary>
    public IEnumerable<Skill> Listed => Usable.Where(s => s.IsAgentSkills);

    /// <summary>Keyword skills not yet activated in this conversation whose keyword occurs in <paramref name="text"/>.</summary>
    public IReadOnlyList<SkillMatch> Match(string text, IReadOnlyCollection<string> activated)
    {
        var matches = new List<SkillMatch>();
        if (string.IsNullOrWhiteSpace(text))
            return matches;
        foreach (var skill in Usable)
        {
            if (!skill.HasKeywords || activated.Contains(skill.Name))
                continue;
            if (KeywordMatcher.FirstMatch(text, skill.Keywords) is { } keyword)
                matches.Add(new SkillMatch(skill, keyword));
        }
        return matches;
    }

    /// <summary>
    /// Every skill found and why it is or is not in use. <paramref name="activations"/> maps an activated skill's name
    /// to the keyword and message that activated it, when known.
    /// </summary>
    public IReadOnlyList<SkillStatus> Describe(IReadOnlyCollection<string> activated,
        IReadOnlyDictionary<string, (string Keyword, string MessageId)> activations)
    {
        var winners = new Dictionary<string, Skill>(StringComparer.Ordinal);
        foreach (var skill in Found)
        {
            if (skill.Error is null)
                winners.TryAdd(skill.Name, skill);
        }
        return [.. Found.Select(skill =>
        {
            var (active, reason) = Why(skill, winners, activated, activations);
            return new SkillStatus
            {
                Name = skill.Name,
                Source = skill.Source,
                Origin = skill.OriginName,
                Trigger = skill.Trigger,
                IsAgentskillsFormat = skill.IsAgentSkills,
                Active = active,
                ActiveReason = reason,
                Error = skill.Error,
            };
        })];
    }

    private (bool Active, string Reason) Why(Skill skill, Dictionary<string, Skill> winners, IReadOnlyCollection<string> activated,
        IReadOnlyDictionary<string, (string Keyword, string MessageId)> activations)
    {
        if (skill.Error is not null)
            return (false, "not loaded: the file is not a valid skill (see error)");
        if (!ReferenceEquals(winners[skill.Name], skill))
            return (false, $"shadowed: the skill of the same name from {winners[skill.Name].Source} is used instead");
        if (_disabled.Contains(skill.Name))
            return (false, "disabled by agent_context.disabled_skills");
        if (skill.IsPathRule)
            return (false, "path rule: Deckhand does not apply path-triggered skills yet");
        if (skill.HasKeywords)
        {
            if (activations.TryGetValue(skill.Name, out var how))
                return (true, $"activated by the keyword \"{how.Keyword}\" in user message {how.MessageId}");
            if (activated.Contains(skill.Name))
                return (true, "activated by a keyword in an earlier user message");
            return (false, "waiting for a user message that mentions: " + string.Join(", ", skill.Keywords));
        }
        if (skill.IsAgentSkills)
            return (true, "listed in the system prompt (<SKILLS>); the agent reads it when a task needs it");
        return (true, "always active: in the system prompt (<REPO_CONTEXT>)");
    }
}
