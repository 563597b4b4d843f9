using System.Text.Json;

namespace Deckhand.Engine.Skills;

/// <summary>
/// Finds a conversation's skills. The order is fixed, and the first skill of a name wins (later ones are listed as
/// shadowed):
/// <list type="number">
/// <item><c>agent.agent_context.skills</c> from the create request, in request order;</item>
/// <item>the project, first in the working directory, then in its git root when that differs: the repository
/// instruction files (<c>AGENTS.md</c>, else <c>agents.md</c>/<c>agent.md</c>, named <c>agents</c>; <c>CLAUDE.md</c>
/// → <c>claude</c>; <c>GEMINI.md</c> → <c>gemini</c>; <c>.cursorrules</c> → <c>cursorrules</c>), then
/// <c>.agents/skills/</c>, <c>.openhands/skills/</c> and <c>.openhands/microagents/</c> (legacy);</item>
/// <item>user skills in <c>&lt;data-dir&gt;/skills/</c>.</item>
/// </list>
/// Inside a skills folder, entries are read in ordinal path order: each <c>*.md</c> file (README.md excepted) is a
/// skill named by its path without <c>.md</c> unless its front matter names it, and each folder holding a
/// <c>SKILL.md</c> is an AgentSkills skill (named by the folder unless the front matter names it). A file that cannot
/// be read is kept with its error; it never stops the conversation.
/// </summary>
internal static class SkillLoader
{
    public const string RequestSource = "agent_context.skills";
    public const int MaxFileBytes = 256 * 1024;
    public const int MaxDepth = 8;

    /// <summary>Repository instruction files are always in the prompt, so they are cut to this many characters.</summary>
    public const int ThirdPartyMaxChars = 10_000;

    public static readonly string[] SkillFolders = [".agents/skills", ".openhands/skills", ".openhands/microagents"];

    private static readonly (string File, string Name)[] ThirdPartyFiles =
        [("AGENTS.md", "agents"), ("agent.md", "agents"), ("CLAUDE.md", "claude"), ("GEMINI.md", "gemini"), (".cursorrules", "cursorrules")];

    public static SkillSet Load(string workingDir, string? userSkillsDir, AgentContextSettings settings)
    {
        var found = new List<Skill>();
        found.AddRange(FromRequest(settings.Skills));
        if (settings.LoadProjectSkills)
            found.AddRange(FromProject(workingDir));
        if (settings.LoadUserSkills && userSkillsDir is not null)
            found.AddRange(FromFolder(userSkillsDir, SkillOrigin.User));
        return new SkillSet(found, settings.DisabledSkills);
    }

    /// <summary>The working directory, then the root of the git repository it is in when that is a different directory.</summary>
    public static IReadOnlyList<string> ProjectRoots(string workingDir)
    {
        var roots = new List<string>();
        if (!Directory.Exists(workingDir))
            return roots;
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workingDir));
        roots.Add(full);
        for (var dir = new DirectoryInfo(full); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                var root = Path.TrimEndingDirectorySeparator(dir.FullName);
                if (root != full)
                    roots.Add(root);
                break;
            }
        }
        return roots;
    }

    public static List<Skill> FromProject(string workingDir)
    {
        var skills = new List<Skill>();
        foreach (var root in ProjectRoots(workingDir))
        {
            skills.AddRange(ThirdParty(root));
            foreach (var folder in SkillFolders)
                skills.AddRange(FromFolder(Path.Combine(root, folder), SkillOrigin.Project));
        }
        return skills;
    }

    /// <summary>Repository instruction files at the top of <paramref name="root"/>; the first name match of each kind wins.</summary>
    private static List<Skill> ThirdParty(string root)
    {
        var skills = new List<Skill>();
        string[] files;
        try
        {
            files = [.. Directory.EnumerateFiles(root).Select(Path.GetFileName).OfType<string>()];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return skills;
        }
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, name) in ThirdPartyFiles)
        {
            if (taken.Contains(name))
                continue;
            // Exact spelling first (AGENTS.md), then other casings in ordinal order.
            var match = files.Where(f => f.Equals(file, StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => f == file ? 0 : 1).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
            if (match is null)
                continue;
            taken.Add(name);
            var path = Path.Combine(root, match);
            skills.Add(Read(path, SkillOrigin.Project, name, text => new Skill
            {
                Name = name,
                Content = Shorten(text, path),
                Source = path,
                Origin = SkillOrigin.Project,
                IsThirdParty = true,
            }));
        }
        return skills;
    }

    public static List<Skill> FromFolder(string folder, SkillOrigin origin)
    {
        var skills = new List<Skill>();
        if (Directory.Exists(folder))
            Walk(folder, folder, origin, 0, skills);
        return skills;
    }

    private static void Walk(string folder, string dir, SkillOrigin origin, int depth, List<Skill> skills)
    {
        string[] files, dirs;
        try
        {
            files = [.. Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal)];
            dirs = [.. Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            skills.Add(Skill.Broken(Relative(folder, dir), dir, origin, "The folder could not be read: " + ex.Message));
            return;
        }
        foreach (var file in files)
        {
            var fileName = Path.GetFileName(file);
            if (!fileName.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || fileName.Equals("README.md", StringComparison.OrdinalIgnoreCase))
                continue;
            var derived = Relative(folder, file)[..^3];
            skills.Add(Read(file, origin, derived, text => SkillFile.Parse(text, file, derived, origin, agentSkills: false)));
        }
        if (depth >= MaxDepth)
            return;
        foreach (var sub in dirs)
        {
            if (Path.GetFileName(sub).StartsWith('.'))
                continue;
            var skillMd = FindSkillMd(sub);
            if (skillMd is null)
            {
                Walk(folder, sub, origin, depth + 1, skills);
                continue;
            }
            var derived = Path.GetFileName(sub);
            skills.Add(Read(skillMd, origin, derived, text => SkillFile.Parse(text, skillMd, derived, origin, agentSkills: true)));
        }
    }

    private static string? FindSkillMd(string dir)
    {
        try
        {
            return Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal)
                .FirstOrDefault(f => Path.GetFileName(f).Equals("SKILL.md", StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads a file and turns it into a skill; any failure becomes a skill with an error.</summary>
    private static Skill Read(string path, SkillOrigin origin, string name, Func<string, Skill> parse)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileBytes)
                return Skill.Broken(name, path, origin, $"The file is {info.Length:N0} bytes; skill files are limited to {MaxFileBytes:N0} bytes.");
            return parse(File.ReadAllText(path));
        }
        catch (SkillFormatException ex)
        {
            return Skill.Broken(name, path, origin, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.DecoderFallbackException)
        {
            return Skill.Broken(name, path, origin, "The file could not be read: " + ex.Message);
        }
    }

    private static string Shorten(string text, string path)
    {
        if (text.Length <= ThirdPartyMaxChars)
            return text;
        var note = $"\n\n[Deckhand cut the middle of {path} because it is longer than {ThirdPartyMaxChars:N0} characters; read the file for the rest.]\n\n";
        var keep = ThirdPartyMaxChars - note.Length;
        var head = keep * 2 / 3;
        return string.Concat(text.AsSpan(0, head), note, text.AsSpan(text.Length - (keep - head)));
    }

    private static string Relative(string folder, string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');

    /// <summary>Skills sent in <c>agent_context.skills</c>; each item is an OpenHands <c>Skill</c> object.</summary>
    public static List<Skill> FromRequest(IReadOnlyList<JsonElement> items)
    {
        var skills = new List<Skill>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var label = $"skills[{i}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                skills.Add(Skill.Broken(label, RequestSource, SkillOrigin.Request, "A skill must be an object with at least 'name' and 'content'."));
                continue;
            }
            var name = Text(item, "name");
            if (string.IsNullOrWhiteSpace(name))
            {
                skills.Add(Skill.Broken(label, RequestSource, SkillOrigin.Request, "The skill has no 'name'."));
                continue;
            }
            try
            {
                skills.Add(RequestSkill(item, name));
            }
            catch (SkillFormatException ex)
            {
                skills.Add(Skill.Broken(name, RequestSource, SkillOrigin.Request, ex.Message));
            }
        }
        return skills;
    }

    private static Skill RequestSkill(JsonElement item, string name)
    {
        IReadOnlyList<string> keywords = [], paths = [];
        var task = false;
        if (item.TryGetProperty("trigger", out var trigger) && trigger.ValueKind == JsonValueKind.Object)
        {
            var type = Text(trigger, "type");
            switch (type)
            {
                case "keyword":
                    keywords = Strings(trigger, "keywords");
                    break;
                case "task":
                    keywords = Strings(trigger, "triggers");
                    task = true;
                    break;
                case "path":
                    paths = Strings(trigger, "paths");
                    break;
                default:
                    throw new SkillFormatException($"Unknown trigger type '{type}'; expected keyword, task or path.");
            }
        }
        else if (item.TryGetProperty("trigger", out trigger) && trigger.ValueKind != JsonValueKind.Null)
        {
            throw new SkillFormatException("'trigger' must be an object or null.");
        }
        return new Skill
        {
            Name = name,
            Content = Text(item, "content") ?? "",
            Source = Text(item, "source") ?? RequestSource,
            Origin = SkillOrigin.Request,
            Keywords = keywords,
            IsTask = task,
            Paths = paths,
            Description = Text(item, "description"),
            IsAgentSkills = item.TryGetProperty("is_agentskills_format", out var format) && format.ValueKind == JsonValueKind.True,
        };
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static List<string> Strings(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array)
            throw new SkillFormatException($"The trigger needs a '{name}' list of strings.");
        return [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)];
    }
}
