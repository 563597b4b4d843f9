using System.Text.Json;

namespace Deckhand.Engine.Skills;

/// <summary>
/// What Deckhand reads from <c>agent.agent_context</c> (kept as raw JSON in the agent so nothing a client sends is
/// lost). Deckhand differs from the OpenHands SDK on one default: project and user skills load unless the request
/// says <c>load_project_skills: false</c> / <c>load_user_skills: false</c> (the SDK defaults both to false), because a
/// repository's AGENTS.md should simply work. A client that sends the SDK's explicit <c>false</c> gets what it asked.
/// </summary>
internal sealed record AgentContextSettings
{
    public static AgentContextSettings Default { get; } = new();

    public bool LoadProjectSkills { get; init; } = true;
    public bool LoadUserSkills { get; init; } = true;
    public IReadOnlySet<string> DisabledSkills { get; init; } = new HashSet<string>(StringComparer.Ordinal);
    /// <summary>The raw <c>skills</c> array (each item an OpenHands <c>Skill</c> object).</summary>
    public IReadOnlyList<JsonElement> Skills { get; init; } = [];
    public string? SystemMessageSuffix { get; init; }
    public string? UserMessageSuffix { get; init; }

    public static AgentContextSettings From(JsonElement? agentContext)
    {
        if (agentContext is not { ValueKind: JsonValueKind.Object } context)
            return Default;
        return new AgentContextSettings
        {
            LoadProjectSkills = Bool(context, "load_project_skills") ?? true,
            LoadUserSkills = Bool(context, "load_user_skills") ?? true,
            DisabledSkills = context.TryGetProperty("disabled_skills", out var disabled) && disabled.ValueKind == JsonValueKind.Array
                ? disabled.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.String).Select(d => d.GetString()!)
                    .ToHashSet(StringComparer.Ordinal)
                : new HashSet<string>(StringComparer.Ordinal),
            Skills = context.TryGetProperty("skills", out var skills) && skills.ValueKind == JsonValueKind.Array
                ? [.. skills.EnumerateArray()]
                : [],
            SystemMessageSuffix = String(context, "system_message_suffix"),
            UserMessageSuffix = String(context, "user_message_suffix"),
        };
    }

    private static bool? Bool(JsonElement context, string name) =>
        context.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static string? String(JsonElement context, string name) =>
        context.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : null;
}
