using System.Text;
using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tools.FileSearch;

namespace Deckhand.Engine.Tools.Glob;

/// <summary>Finds files by name pattern under a directory, newest first, skipping what .gitignore excludes.</summary>
public sealed class GlobTool(ToolContext context) : ITool
{
    internal const int MaxFiles = 100;

    private readonly string _workingDir = context.WorkingDir;

    public string Name => "glob";

    public ToolDefinition Definition { get; } = new()
    {
        Description = """
            Find files by name pattern. Returns absolute paths, most recently modified first, at most 100.

            Patterns: `*` matches within one path segment, `**` across directories, `?` one character, `{a,b}` either
            alternative, `[abc]` one of a set. A pattern without `/` matches file names at any depth (`*.py` finds all
            Python files); with `/` it is matched from the search directory (`src/**/*.{ts,tsx}`).
            Files ignored by .gitignore and the .git folder are skipped; use the terminal if you need those.
            Use this instead of `find` or `ls -R`; to search inside files, use grep.
            """,
        ActionType = nameof(GlobAction),
        ObservationType = nameof(GlobObservation),
        Annotations = new ToolAnnotations
        {
            Title = "glob", ReadOnlyHint = true, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = false,
        },
        Kind = "GlobTool",
        Title = "glob",
    };

    public JsonElement Parameters { get; } = ToolSchema.Parse("""
        {"type":"object","properties":{
          "pattern":{"type":"string","description":"Glob for the files to find, e.g. \"**/*.cs\", \"src/**/*.{ts,tsx}\" or \"*test*.py\"."},
          "path":{"type":"string","description":"Absolute path of the directory to search. Leave it out to search the working directory."}},
         "required":["pattern"]}
        """);

    public ToolAction Parse(JsonElement arguments)
    {
        var action = ToolArguments.Read(arguments, DeckhandJson.Wire.GlobAction);
        SearchPath.Validate(action.Path);
        GlobPattern.Parse(action.Pattern);
        return action;
    }

    public Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken) =>
        Task.Run(() => Run((GlobAction)action, cancellationToken), cancellationToken);

    private ToolObservation Run(GlobAction action, CancellationToken cancellationToken)
    {
        var (root, error) = SearchPath.Resolve(action.Path, _workingDir);
        if (root is null)
            return new GlobObservation { Pattern = action.Pattern, SearchPath = action.Path ?? _workingDir, IsError = true, Content = [new TextContent(error!)] };

        var glob = GlobPattern.Parse(action.Pattern);
        var walker = new WorkspaceWalker(root);
        var matches = walker.Files(cancellationToken).Where(f => glob.IsMatch(f.RelativePath)).ToList();
        var newest = matches
            .OrderByDescending(f => f.LastWriteUtc)
            .ThenBy(f => f.RelativePath, StringComparer.Ordinal)
            .Take(MaxFiles)
            .Select(f => f.FullPath)
            .ToList();
        var truncated = matches.Count > MaxFiles || walker.HitLimit;

        var text = new StringBuilder();
        if (newest.Count == 0)
        {
            text.Append($"No files match '{action.Pattern}' in {root}.");
            if (!action.Pattern.Contains('/', StringComparison.Ordinal) || action.Pattern.StartsWith("**", StringComparison.Ordinal))
                text.Append(" Files ignored by .gitignore are not searched.");
            else
                text.Append(" Patterns with '/' are matched from the search directory; try \"**/\" in front to match at any depth.");
        }
        else
        {
            text.Append($"{matches.Count} file(s) match '{action.Pattern}' in {root}, newest first:\n");
            foreach (var file in newest)
                text.Append(file).Append('\n');
            if (matches.Count > MaxFiles)
                text.Append($"[Showing the {MaxFiles} newest of {matches.Count} files. Narrow the search with a more specific pattern or a deeper path.]\n");
            if (walker.HitLimit)
                text.Append($"[Stopped after scanning {WorkspaceWalker.DefaultMaxFiles} files; the list is incomplete. Search a smaller directory.]\n");
        }

        return new GlobObservation
        {
            Files = newest,
            Pattern = action.Pattern,
            SearchPath = root,
            Truncated = truncated,
            Content = [new TextContent(text.ToString().TrimEnd('\n'))],
        };
    }
}
