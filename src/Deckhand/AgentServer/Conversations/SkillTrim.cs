using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Conversations;

namespace Deckhand.AgentServer.Conversations;

/// <summary>
/// OpenHands' <c>include_skills</c> query parameter (default false) on routes that return a conversation: unless it is
/// true, <c>agent.agent_context.skills</c> is answered as <c>[]</c> (skills can be long); the conversation keeps them.
/// </summary>
internal static class SkillTrim
{
    public static ConversationInfo Apply(ConversationInfo info, bool includeSkills)
    {
        if (includeSkills || info.Agent.AgentContext is not { ValueKind: JsonValueKind.Object } context
            || !context.TryGetProperty("skills", out var skills) || skills.ValueKind != JsonValueKind.Array || skills.GetArrayLength() == 0)
            return info;
        var node = JsonNode.Parse(context.GetRawText())!.AsObject();
        node["skills"] = new JsonArray();
        using var trimmed = JsonDocument.Parse(node.ToJsonString());
        return info with { Agent = info.Agent with { AgentContext = trimmed.RootElement.Clone() } };
    }
}
