using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Skills;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>
/// <c>SETTING_UP_SKILLS</c>: the user's own skills, kept in the app server's <c>&lt;data-dir&gt;/skills/</c> (same layout
/// as a repository's <c>.openhands/skills/</c>), sent with the create request as <c>agent.agent_context.skills</c>. The
/// repository's AGENTS.md and skills need nothing here: the sandbox's agent-server reads them from the conversation's
/// working directory, which is the cloned repository.
/// </summary>
public static class UserSkills
{
    public static IReadOnlyList<JsonElement> Load(string skillsDir)
    {
        if (!Directory.Exists(skillsDir))
            return [];
        var skills = new List<JsonElement>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var skill in SkillLoader.FromFolder(skillsDir, SkillOrigin.User))
        {
            if (skill.Error is not null || !seen.Add(skill.Name))
                continue;
            var json = new JsonObject
            {
                ["name"] = skill.Name,
                ["content"] = skill.Content,
                ["source"] = skill.Source,
                ["description"] = skill.Description,
                ["is_agentskills_format"] = skill.IsAgentSkills,
            };
            if (skill.Trigger is { } trigger)
            {
                var node = new JsonObject { ["type"] = trigger.Type };
                if (trigger.Keywords is { } keywords)
                    node["keywords"] = new JsonArray([.. keywords.Select(k => JsonValue.Create(k))]);
                if (trigger.Triggers is { } triggers)
                    node["triggers"] = new JsonArray([.. triggers.Select(k => JsonValue.Create(k))]);
                if (trigger.Paths is { } paths)
                    node["paths"] = new JsonArray([.. paths.Select(k => JsonValue.Create(k))]);
                json["trigger"] = node;
            }
            skills.Add(JsonSerializer.SerializeToElement(json, DeckhandJson.Wire.JsonObject));
        }
        return skills;
    }
}
