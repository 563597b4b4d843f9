namespace Deckhand.Engine.Skills;

/// <summary>
/// Turns a markdown skill file into a <see cref="Skill"/>. Front matter keys read: <c>name</c>, <c>description</c>,
/// <c>triggers</c> (keyword list), <c>inputs</c> (makes it a task skill, triggered also by <c>/name</c>),
/// <c>paths</c> (list or comma-separated globs: a path rule, which wins over triggers). Other keys are ignored.
/// </summary>
internal static class SkillFile
{
    public const string InputsNote =
        "\n\nThis task takes inputs (listed below). If the user has not given all of them, ask for the missing ones before you start.";

    public static Skill Parse(string text, string path, string derivedName, SkillOrigin origin, bool agentSkills)
    {
        var (meta, body) = FrontMatter.Split(text);
        var name = OptionalString(meta, "name") ?? derivedName;
        if (string.IsNullOrWhiteSpace(name))
            throw new SkillFormatException("'name' must not be empty.");
        var description = OptionalString(meta, "description");
        var keywords = StringList(meta, "triggers");
        var paths = StringList(meta, "paths");
        var task = false;
        var content = body;
        if (meta.TryGetValue("inputs", out var inputsValue) && inputsValue is not null)
        {
            if (inputsValue is not List<object?> inputs)
                throw new SkillFormatException("'inputs' must be a list.");
            task = true;
            if (!keywords.Contains("/" + name, StringComparer.OrdinalIgnoreCase))
                keywords = [.. keywords, "/" + name];
            var lines = inputs.Select(DescribeInput).ToList();
            if (lines.Count > 0)
                content = content.TrimEnd() + InputsNote + "\n" + string.Join("\n", lines);
        }
        return new Skill
        {
            Name = name.Trim(),
            Content = content,
            Source = path,
            Origin = origin,
            Keywords = paths.Count > 0 ? [] : keywords,
            IsTask = task && paths.Count == 0,
            Paths = paths,
            Description = description,
            IsAgentSkills = agentSkills,
        };
    }

    private static string DescribeInput(object? input) => input switch
    {
        Dictionary<string, object?> map when map.GetValueOrDefault("name") is string n =>
            map.GetValueOrDefault("description") is string d ? $"- {n}: {d}" : $"- {n}",
        string s => "- " + s,
        _ => throw new SkillFormatException("each item of 'inputs' must be a name or a mapping with 'name' (and 'description')."),
    };

    private static string? OptionalString(Dictionary<string, object?> meta, string key) => meta.GetValueOrDefault(key) switch
    {
        null => null,
        string s => s.Trim().Length == 0 ? null : s.Trim(),
        _ => throw new SkillFormatException($"'{key}' must be a single text value."),
    };

    /// <summary>A list of strings, or one comma-separated string.</summary>
    private static List<string> StringList(Dictionary<string, object?> meta, string key) => meta.GetValueOrDefault(key) switch
    {
        null => [],
        string s => [.. s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)],
        List<object?> list when list.All(i => i is string) => [.. list.Cast<string>().Select(i => i.Trim()).Where(i => i.Length > 0)],
        _ => throw new SkillFormatException($"'{key}' must be a list of text values."),
    };
}
