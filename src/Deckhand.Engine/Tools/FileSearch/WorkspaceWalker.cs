using System.IO.Enumeration;
using MAB.DotIgnore;

namespace Deckhand.Engine.Tools.FileSearch;

/// <summary>A file found by <see cref="WorkspaceWalker"/>; <see cref="RelativePath"/> uses <c>/</c> and is relative to the search root.</summary>
internal sealed record WorkspaceFile(string FullPath, string RelativePath, DateTime LastWriteUtc, long Length);

/// <summary>
/// Lists the files under a directory the way a developer sees the project: <c>.gitignore</c> files (nested ones
/// and those of parent directories up to the repository root) and <c>.git/info/exclude</c> are honoured, ignored
/// directories are not entered, VCS folders are skipped, symlinked directories are not followed (no loops).
/// Hidden files are listed: models look for <c>.github/workflows</c> and <c>.env.example</c>.
/// </summary>
/// <remarks>
/// Rules are evaluated as git does: every rule of every applicable file in order, outermost file first, and the
/// last matching rule decides (so a nested <c>!pattern</c> can re-include). Outside a git repository, .gitignore
/// files still apply and a few dependency folders (<c>node_modules</c> and the like) are skipped as well; inside one,
/// the repository's own rules decide about those. Not a byte-exact copy of git: global excludes are not read.
/// </remarks>
internal sealed class WorkspaceWalker(string root, int maxFiles = WorkspaceWalker.DefaultMaxFiles)
{
    public const int DefaultMaxFiles = 200_000;

    private static readonly HashSet<string> VcsDirs = new(StringComparer.Ordinal) { ".git", ".hg", ".svn" };

    private static readonly HashSet<string> DependencyDirs = new(StringComparer.Ordinal)
    {
        "node_modules", "__pycache__", ".venv", ".tox", ".mypy_cache", ".pytest_cache", ".gradle",
    };

    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = true,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>True when the walk stopped at the file limit: the listing is incomplete.</summary>
    public bool HitLimit { get; private set; }

    public IEnumerable<WorkspaceFile> Files(CancellationToken cancellationToken)
    {
        var (inRepo, outer) = OuterRules(root);
        var pending = new Stack<(string Dir, string Rel, Frame[] Frames)>();
        pending.Push((root, "", outer));
        var count = 0;
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (dir, rel, frames) = pending.Pop();
            var entries = List(dir);
            if (entries.Exists(e => !e.IsDirectory && e.Name == ".gitignore"))
            {
                var rules = Load(Path.Combine(dir, ".gitignore"));
                if (rules is not null)
                    frames = [.. frames, new Frame(rules, "", rel.Length)];
            }
            // Pushed in reverse so that directories come off the stack in name order; the output order is resorted by callers.
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                var entry = entries[i];
                var path = rel.Length == 0 ? entry.Name : rel + "/" + entry.Name;
                if (entry.IsDirectory)
                {
                    if (entry.IsLink || VcsDirs.Contains(entry.Name) || (!inRepo && DependencyDirs.Contains(entry.Name)))
                        continue;
                    if (!IsIgnored(frames, path, isDirectory: true))
                        pending.Push((Path.Combine(dir, entry.Name), path, frames));
                }
                else if (!IsIgnored(frames, path, isDirectory: false))
                {
                    if (++count > maxFiles)
                    {
                        HitLimit = true;
                        yield break;
                    }
                    yield return new WorkspaceFile(Path.Combine(dir, entry.Name), path, entry.LastWriteUtc, entry.Length);
                }
            }
        }
    }

    private static List<Entry> List(string dir)
    {
        try
        {
            var entries = new FileSystemEnumerable<Entry>(dir, (ref FileSystemEntry e) => new Entry(
                e.FileName.ToString(),
                e.IsDirectory,
                (e.Attributes & FileAttributes.ReparsePoint) != 0,
                e.LastWriteTimeUtc.UtcDateTime,
                e.IsDirectory ? 0 : e.Length), Options);
            var list = entries.ToList();
            list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return list;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool IsIgnored(Frame[] frames, string path, bool isDirectory)
    {
        var ignored = false;
        foreach (var frame in frames)
        {
            var local = frame.Prefix + path[frame.Strip..].TrimStart('/');
            foreach (var rule in frame.Rules.Rules)
            {
                if (rule.IsMatch(local, isDirectory))
                    ignored = (rule.PatternFlags & PatternFlags.NEGATION) == 0;
            }
        }
        return ignored;
    }

    /// <summary>Rules from above the search root: the repository's exclude file and the .gitignore files of parent directories.</summary>
    private static (bool InRepo, Frame[] Frames) OuterRules(string root)
    {
        var parents = new List<string>();
        for (var dir = Path.GetDirectoryName(root); dir is not null; dir = Path.GetDirectoryName(dir))
            parents.Add(dir);
        var inRepo = Path.Exists(Path.Combine(root, ".git"));
        var repoRoot = inRepo ? root : parents.Find(p => Path.Exists(Path.Combine(p, ".git")));
        if (repoRoot is null)
            return (false, []);

        var frames = new List<Frame>();
        var exclude = Load(Path.Combine(repoRoot, ".git", "info", "exclude"));
        if (exclude is not null)
            frames.Add(new Frame(exclude, Prefix(repoRoot, root), 0));
        parents.Reverse();
        foreach (var dir in parents.SkipWhile(p => p != repoRoot))
        {
            if (Load(Path.Combine(dir, ".gitignore")) is { } rules)
                frames.Add(new Frame(rules, Prefix(dir, root), 0));
        }
        return (true, [.. frames]);
    }

    private static string Prefix(string ancestor, string root)
    {
        var relative = Path.GetRelativePath(ancestor, root).Replace(Path.DirectorySeparatorChar, '/');
        return relative == "." ? "" : relative + "/";
    }

    private static IgnoreList? Load(string file)
    {
        try
        {
            if (!File.Exists(file))
                return null;
            var lines = File.ReadAllLines(file);
            var list = new IgnoreList(lines.Where(l => !string.IsNullOrWhiteSpace(l) && !l.StartsWith('#')), MatchFlags.PATHNAME);
            return list.Rules.Count > 0 ? list : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The rules of one ignore file. Paths are matched as <c>Prefix + path[Strip..]</c>, i.e. relative to the file's directory.</summary>
    private sealed record Frame(IgnoreList Rules, string Prefix, int Strip);

    private readonly record struct Entry(string Name, bool IsDirectory, bool IsLink, DateTime LastWriteUtc, long Length);
}
