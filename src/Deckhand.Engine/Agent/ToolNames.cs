using System.Text.RegularExpressions;
using Deckhand.Engine.Tools;

namespace Deckhand.Engine.Agent;

/// <summary>
/// Finds the tool a model meant. Models trained on other agents call the shell <c>bash</c> or <c>execute_bash</c> and
/// the editor <c>str_replace_editor</c>, and some append junk to the name (<c>terminal&lt;|call|&gt;</c>).
/// </summary>
internal static partial class ToolNames
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["bash"] = "terminal",
        ["execute_bash"] = "terminal",
        ["execute"] = "terminal",
        ["command"] = "terminal",
        ["shell"] = "terminal",
        ["str_replace_editor"] = "file_editor",
        ["str_replace"] = "file_editor",
        ["edit_file"] = "file_editor",
    };

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LeadingIdentifier();

    public static ITool? Resolve(IReadOnlyList<ITool> tools, string name)
    {
        if (Find(tools, name) is { } exact)
            return exact;
        var cleaned = LeadingIdentifier().Match(name) is { Success: true } m ? m.Value : name;
        return Find(tools, cleaned) ?? (Aliases.TryGetValue(cleaned, out var alias) ? Find(tools, alias) : null);
    }

    private static ITool? Find(IReadOnlyList<ITool> tools, string name)
    {
        foreach (var tool in tools)
        {
            if (tool.Name == name)
                return tool;
        }
        return null;
    }
}
