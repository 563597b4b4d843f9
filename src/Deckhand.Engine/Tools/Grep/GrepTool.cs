using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tools.FileSearch;

namespace Deckhand.Engine.Tools.Grep;

/// <summary>
/// Searches file contents with a .NET regular expression. Returns the files that match (newest first, as OpenHands
/// does) and, in the text the model reads, the first matching lines so that it rarely needs a second call.
/// </summary>
public sealed class GrepTool(ToolContext context) : ITool
{
    internal const int MaxFiles = 100;
    internal const int MaxLines = 50;
    internal const int MaxLinesPerFile = 10;
    internal const int MaxLineLength = 200;
    internal const long MaxFileBytes = 5 * 1024 * 1024;

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly string _workingDir = context.WorkingDir;

    public string Name => "grep";

    public ToolDefinition Definition { get; } = new()
    {
        Description = """
            Search file contents with a regular expression (.NET syntax, case-sensitive; add (?i) to ignore case).
            Lines are matched one at a time. Returns the files that contain a match, most recently modified first
            (at most 100), followed by up to 50 matching lines as `path:line: text`.

            Narrow with `include` (a file-name glob such as "*.cs" or "*.{ts,tsx}") and `path`. Files ignored by
            .gitignore, binary files and files over 5 MB are skipped. Escape regex characters to search for them
            literally, e.g. `Foo\(` or `\.Where`. Use this instead of running grep or rg in the terminal.
            """,
        ActionType = nameof(GrepAction),
        ObservationType = nameof(GrepObservation),
        Annotations = new ToolAnnotations
        {
            Title = "grep", ReadOnlyHint = true, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = false,
        },
        Kind = "GrepTool",
        Title = "grep",
    };

    public JsonElement Parameters { get; } = ToolSchema.Parse("""
        {"type":"object","properties":{
          "pattern":{"type":"string","description":"Regular expression to look for in file contents, e.g. \"class\\s+\\w+Service\" or \"TODO|FIXME\"."},
          "path":{"type":"string","description":"Absolute path of the directory to search. Leave it out to search the working directory."},
          "include":{"type":"string","description":"Only search files whose names match this glob, e.g. \"*.py\" or \"*.{ts,tsx}\"."}},
         "required":["pattern"]}
        """);

    public ToolAction Parse(JsonElement arguments)
    {
        var action = ToolArguments.Read(arguments, DeckhandJson.Wire.GrepAction);
        if (action.Pattern.Length == 0)
            throw new ToolArgumentException("pattern is empty. Give a regular expression to search for.");
        Compile(action.Pattern);
        SearchPath.Validate(action.Path);
        if (!string.IsNullOrWhiteSpace(action.Include))
            GlobPattern.Parse(action.Include);
        return action;
    }

    public Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken) =>
        Task.Run(() => Run((GrepAction)action, cancellationToken), cancellationToken);

    private static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ToolArgumentException(
                $"'{pattern}' is not a valid .NET regular expression: {ex.Message} Escape special characters such as ( [ {{ . * + ? with a backslash to match them literally.");
        }
    }

    private ToolObservation Run(GrepAction action, CancellationToken cancellationToken)
    {
        var include = string.IsNullOrWhiteSpace(action.Include) ? null : action.Include;
        var (root, error) = SearchPath.Resolve(action.Path, _workingDir);
        if (root is null)
        {
            return new GrepObservation
            {
                Pattern = action.Pattern, SearchPath = action.Path ?? _workingDir, IncludePattern = include,
                IsError = true, Content = [new TextContent(error!)],
            };
        }

        var regex = Compile(action.Pattern);
        var filter = include is null ? null : GlobPattern.Parse(include);
        var walker = new WorkspaceWalker(root);
        var timedOut = 0;
        var matching = new List<WorkspaceFile>();
        foreach (var file in walker.Files(cancellationToken))
        {
            if (file.Length > MaxFileBytes || (filter is not null && !filter.IsMatch(file.RelativePath)))
                continue;
            var scan = Scan(file.FullPath, regex, stopAfter: 1);
            if (scan.TimedOut)
                timedOut++;
            if (scan.Lines.Count > 0)
                matching.Add(file);
        }

        var newest = matching
            .OrderByDescending(f => f.LastWriteUtc)
            .ThenBy(f => f.RelativePath, StringComparer.Ordinal)
            .Take(MaxFiles)
            .ToList();
        var truncated = matching.Count > MaxFiles || walker.HitLimit;
        var where = include is null ? root : $"{root} (files matching '{include}')";

        var text = new StringBuilder();
        if (newest.Count == 0)
        {
            text.Append($"No matches for /{action.Pattern}/ in {where}. Files ignored by .gitignore, binary files and files over 5 MB are not searched.");
        }
        else
        {
            text.Append($"{matching.Count} file(s) match /{action.Pattern}/ in {where}, newest first:\n");
            foreach (var file in newest)
                text.Append(file.FullPath).Append('\n');
            if (matching.Count > MaxFiles)
                text.Append($"[Showing the {MaxFiles} newest of {matching.Count} files. Narrow the search with a more specific pattern, include or path.]\n");
            AppendLines(text, newest, regex, cancellationToken);
        }
        if (walker.HitLimit)
            text.Append($"\n[Stopped after scanning {WorkspaceWalker.DefaultMaxFiles} files; results are incomplete. Search a smaller directory.]");
        if (timedOut > 0)
            text.Append($"\n[The pattern took too long on {timedOut} file(s), which were skipped. Simplify the expression.]");

        return new GrepObservation
        {
            Matches = [.. newest.Select(f => f.FullPath)],
            Pattern = action.Pattern,
            SearchPath = root,
            IncludePattern = include,
            Truncated = truncated,
            Content = [new TextContent(text.ToString().TrimEnd('\n'))],
        };
    }

    private static void AppendLines(StringBuilder text, List<WorkspaceFile> files, Regex regex, CancellationToken cancellationToken)
    {
        text.Append("\nMatching lines:\n");
        var shown = 0;
        var more = false;
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (shown >= MaxLines)
            {
                more = true;
                break;
            }
            var scan = Scan(file.FullPath, regex, stopAfter: Math.Min(MaxLinesPerFile, MaxLines - shown) + 1);
            var lines = scan.Lines;
            if (lines.Count > Math.Min(MaxLinesPerFile, MaxLines - shown))
            {
                more = true;
                lines = lines.GetRange(0, lines.Count - 1);
            }
            foreach (var (number, line) in lines)
                text.Append(file.FullPath).Append(':').Append(number).Append(": ").Append(line).Append('\n');
            shown += lines.Count;
        }
        if (more)
            text.Append($"[Not every matching line is shown (at most {MaxLinesPerFile} per file, {MaxLines} in all). View a file, or narrow the search, to see the rest.]\n");
    }

    /// <summary>The first <paramref name="stopAfter"/> matching lines of a text file; nothing for a binary or unreadable one.</summary>
    private static ScanResult Scan(string path, Regex regex, int stopAfter)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ScanResult([], false);
        }
        // Git's test for binary content: a NUL byte near the start.
        if (bytes.AsSpan(0, Math.Min(bytes.Length, 8000)).Contains((byte)0))
            return new ScanResult([], false);

        var content = Encoding.UTF8.GetString(bytes);
        var found = new List<(int, string)>();
        var number = 0;
        foreach (var raw in content.AsSpan().EnumerateLines())
        {
            number++;
            int index;
            try
            {
                var matches = regex.EnumerateMatches(raw);
                if (!matches.MoveNext())
                    continue;
                index = matches.Current.Index;
            }
            catch (RegexMatchTimeoutException)
            {
                return new ScanResult(found, true);
            }
            found.Add((number, Clip(raw.ToString(), index)));
            if (found.Count >= stopAfter)
                break;
        }
        return new ScanResult(found, false);
    }

    /// <summary>Cuts a long line to a window around the match so minified files do not flood the model.</summary>
    private static string Clip(string line, int matchIndex)
    {
        line = line.TrimEnd();
        if (line.Length <= MaxLineLength)
            return line;
        var start = Math.Max(0, Math.Min(matchIndex - (MaxLineLength / 4), line.Length - MaxLineLength));
        var window = line.Substring(start, MaxLineLength);
        return (start > 0 ? "…" : "") + window + (start + MaxLineLength < line.Length ? "…" : "");
    }

    private readonly record struct ScanResult(List<(int Number, string Line)> Lines, bool TimedOut);
}
