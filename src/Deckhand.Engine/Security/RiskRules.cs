using System.Text.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Security;

/// <summary>A rule that fired on a tool call: how risky it makes the call, the rule's id, and why (no call text).</summary>
public sealed record RiskFinding(SecurityRisk Risk, string Rule, string Reason);

/// <summary>
/// Deckhand's own rules (the <c>PatternSecurityAnalyzer</c>): destructive commands, writes outside the workspace,
/// secret exfiltration and installs from the network. They only ever add a finding; what the model said about the
/// call is raised by it, never lowered (<see cref="SecurityAnalysis"/>). Terminal commands are read as shell
/// (<see cref="ShellText"/>); file_editor calls by path and command; calls of any other tool (MCP tools included) by
/// every string in their arguments, each read as a command line, and by the paths they name.
/// </summary>
public static class RiskRules
{
    /// <summary>The most serious finding for one call, or null when no rule fired.</summary>
    public static RiskFinding? Check(ToolAction? action, string arguments, string workspace, string? home = null)
    {
        var paths = new PathJudge(workspace, home);
        var findings = new List<RiskFinding>();
        switch (action)
        {
            case null or FinishAction or ThinkAction or TaskTrackerAction or GlobAction or GrepAction:
                break;
            case TerminalAction terminal:
                CommandRules.Check(terminal.Command, paths, findings);
                break;
            case FileEditorAction edit:
                CheckFileEdit(edit, paths, findings);
                break;
            default:
                CheckArguments(arguments, paths, findings);
                break;
        }
        return Worst(findings);
    }

    internal static RiskFinding? Worst(IEnumerable<RiskFinding> findings) =>
        findings.OrderByDescending(f => f.Risk).FirstOrDefault();

    private static void CheckFileEdit(FileEditorAction edit, PathJudge paths, List<RiskFinding> findings)
    {
        var place = paths.Judge(edit.Path);
        if (edit.Command != "view" && place is PathPlace.Outside or PathPlace.Vital or PathPlace.Device)
            findings.Add(new(SecurityRisk.High, "write.outside_workspace", "file_editor changes a file outside the workspace"));
        if (CommandRules.CredentialFile().IsMatch(edit.Path))
            findings.Add(new(SecurityRisk.Medium, "secrets.read_credentials", "file_editor opens a credentials file"));
    }

    /// <summary>Any other tool: each string argument is read as a command line; path-like arguments are judged as paths.</summary>
    private static void CheckArguments(string arguments, PathJudge paths, List<RiskFinding> findings)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return;
        }
        foreach (var (name, value) in Strings(root, ""))
        {
            if (name is "security_risk" or "summary")
                continue;
            CommandRules.Check(value, paths, findings);
            var key = name.ToLowerInvariant();
            if ((key.Contains("path", StringComparison.Ordinal) || key.Contains("file", StringComparison.Ordinal)
                    || key is "dest" or "destination" or "target" or "dir" or "directory")
                && value.Length > 0 && (value[0] is '/' or '~' || value.StartsWith("$HOME", StringComparison.Ordinal))
                && paths.Judge(value) is PathPlace.Outside or PathPlace.Vital or PathPlace.Device)
            {
                findings.Add(new(SecurityRisk.Medium, "path.outside_workspace", "the call names a path outside the workspace"));
            }
        }
    }

    private static IEnumerable<(string Name, string Value)> Strings(JsonElement element, string name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return (name, element.GetString()!);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    foreach (var item in Strings(property.Value, property.Name))
                        yield return item;
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray().SelectMany(e => Strings(e, name)))
                    yield return item;
                break;
        }
    }
}
