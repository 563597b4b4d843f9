using Deckhand.Contracts.Events;
using Deckhand.Contracts.Skills;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Storage;

namespace Deckhand.Engine.Skills;

/// <summary>The skills route's answer: every skill of a conversation, and for activated ones the message and keyword that did it.</summary>
internal static class SkillReport
{
    public static ConversationSkills For(ConversationRunner runner)
    {
        var skills = runner.Agent.Skills;
        var activated = runner.Snapshot.State.ActivatedKnowledgeSkills;
        var activations = new Dictionary<string, (string Keyword, string MessageId)>(StringComparer.Ordinal);
        if (activated.Count > 0)
        {
            var byName = skills.Usable.ToDictionary(s => s.Name, StringComparer.Ordinal);
            string? page = null;
            do
            {
                var result = runner.Store.SearchEvents(runner.Id, new EventQuery
                {
                    Filter = new EventFilter { Kind = nameof(MessageEvent), Source = "user" },
                    PageId = page,
                    Limit = 100,
                });
                foreach (var message in result.Items.Select(i => i.Event).OfType<MessageEvent>())
                {
                    foreach (var name in message.ActivatedSkills)
                    {
                        if (activations.ContainsKey(name) || !byName.TryGetValue(name, out var skill))
                            continue;
                        var keyword = KeywordMatcher.FirstMatch(message.LlmMessage.Text(), skill.Keywords) ?? skill.Keywords.FirstOrDefault() ?? "";
                        activations[name] = (keyword, message.Id);
                    }
                }
                page = result.NextPageId;
            }
            while (page is not null && activations.Count < activated.Count);
        }
        return new ConversationSkills(skills.Describe(activated, activations));
    }

    /// <summary>Skills as OpenHands' <c>POST /api/skills</c> lists them, for a project folder.</summary>
    public static SkillsResponse ForProject(string? projectDir, string userSkillsDir, bool loadProject, bool loadUser)
    {
        var found = new List<Skill>();
        if (loadProject && projectDir is not null)
            found.AddRange(SkillLoader.FromProject(projectDir));
        if (loadUser)
            found.AddRange(SkillLoader.FromFolder(userSkillsDir, SkillOrigin.User));
        var set = new SkillSet(found, new HashSet<string>(StringComparer.Ordinal));
        var skills = set.Usable.Where(s => !s.IsPathRule).Select(s => new SkillInfo
        {
            Name = s.Name,
            Type = s.IsAgentSkills ? "agentskills" : s.HasKeywords ? "knowledge" : "repo",
            Content = s.Content,
            Triggers = s.Keywords,
            Source = s.Source,
            Description = s.Description,
            IsAgentskillsFormat = s.IsAgentSkills,
        }).ToList();
        var sources = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["project"] = set.Usable.Count(s => s.Origin == SkillOrigin.Project && !s.IsPathRule),
            ["user"] = set.Usable.Count(s => s.Origin == SkillOrigin.User && !s.IsPathRule),
        };
        return new SkillsResponse(skills, sources);
    }
}
