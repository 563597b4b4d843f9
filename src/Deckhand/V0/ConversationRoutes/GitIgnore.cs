using System.Text;
using System.Text.RegularExpressions;

namespace Deckhand.V0.ConversationRoutes;

/// <summary>
/// The rules of one <c>.gitignore</c> (gitignore(5) wildcards: <c>*</c>, <c>?</c>, <c>[..]</c>, <c>**</c>, leading
/// <c>/</c> anchors, trailing <c>/</c> for directories, <c>!</c> negation). A path is ignored when it or any of its
/// parent directories is, the last matching rule deciding at each level.
/// </summary>
public sealed class GitIgnore
{
    private readonly List<(Regex Pattern, bool Negated, bool DirectoryOnly)> _rules = [];

    public static GitIgnore Empty { get; } = new([]);

    public GitIgnore(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r').TrimEnd(' ');
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var negated = line.StartsWith('!');
            if (negated)
                line = line[1..];
            if (line.StartsWith("\\#", StringComparison.Ordinal) || line.StartsWith("\\!", StringComparison.Ordinal))
                line = line[1..];
            var directoryOnly = line.EndsWith('/');
            line = line.TrimEnd('/');
            if (line.Length == 0)
                continue;
            var anchored = line.Contains('/', StringComparison.Ordinal);
            line = line.TrimStart('/');
            var body = Translate(line);
            var pattern = anchored ? $"^{body}$" : $"^(?:.*/)?{body}$";
            _rules.Add((new Regex(pattern, RegexOptions.CultureInvariant), negated, directoryOnly));
        }
    }

    /// <summary>The root <c>.gitignore</c> of <paramref name="root"/>, or <see cref="Empty"/>.</summary>
    public static GitIgnore Load(string root)
    {
        var path = Path.Combine(root, ".gitignore");
        try
        {
            return File.Exists(path) && new FileInfo(path).LinkTarget is null ? new GitIgnore(File.ReadLines(path)) : Empty;
        }
        catch (IOException)
        {
            return Empty;
        }
    }

    /// <summary>True when <paramref name="relativePath"/> (POSIX, relative to the root) is ignored.</summary>
    public bool IsIgnored(string relativePath, bool isDirectory)
    {
        if (_rules.Count == 0)
            return false;
        var parts = relativePath.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var prefix = string.Join('/', parts, 0, i + 1);
            if (Decide(prefix, i < parts.Length - 1 || isDirectory))
                return true;
        }
        return false;
    }

    private bool Decide(string path, bool isDirectory)
    {
        var ignored = false;
        foreach (var (pattern, negated, directoryOnly) in _rules)
        {
            if (directoryOnly && !isDirectory)
                continue;
            if (pattern.IsMatch(path))
                ignored = !negated;
        }
        return ignored;
    }

    private static string Translate(string glob)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    var leading = i == 0 || glob[i - 1] == '/';
                    var trailing = i + 2 == glob.Length || glob[i + 2] == '/';
                    if (leading && trailing && i + 2 < glob.Length)
                    {
                        sb.Append("(?:.*/)?"); // "**/" : any number of directories
                        i += 2;
                    }
                    else
                    {
                        sb.Append(".*");
                        i++;
                    }
                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    var end = glob.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        sb.Append("\\[");
                        break;
                    }
                    var set = glob[(i + 1)..end];
                    if (set.StartsWith('!'))
                        set = "^" + set[1..];
                    sb.Append('[').Append(set.Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < glob.Length:
                    sb.Append(Regex.Escape(glob[++i].ToString()));
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return sb.ToString();
    }
}
