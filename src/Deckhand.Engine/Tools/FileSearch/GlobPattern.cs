using System.Text;
using System.Text.RegularExpressions;

namespace Deckhand.Engine.Tools.FileSearch;

/// <summary>
/// A file glob (<c>**</c>, <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>{a,b}</c>) matched against paths relative to the
/// search directory, with <c>/</c> separators. Like ripgrep's <c>-g</c> (what OpenHands uses), a pattern without a
/// slash matches the file name at any depth, so <c>*.cs</c> finds every C# file.
/// </summary>
internal sealed class GlobPattern
{
    private readonly Regex _regex;
    private readonly bool _nameOnly;

    private GlobPattern(Regex regex, bool nameOnly)
    {
        _regex = regex;
        _nameOnly = nameOnly;
    }

    public static GlobPattern Parse(string pattern)
    {
        var text = pattern.Trim();
        while (text.StartsWith("./", StringComparison.Ordinal))
            text = text[2..];
        text = text.TrimStart('/');
        if (text.Length == 0)
            throw new ToolArgumentException("The glob pattern is empty. Use e.g. \"**/*.cs\" or \"src/**/*.{ts,tsx}\".");
        var regex = new Regex("^" + Translate(text) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return new GlobPattern(regex, !text.Contains('/', StringComparison.Ordinal));
    }

    /// <summary>Whether <paramref name="relativePath"/> (slash-separated, no leading slash) matches.</summary>
    public bool IsMatch(string relativePath)
    {
        var subject = _nameOnly ? relativePath[(relativePath.LastIndexOf('/') + 1)..] : relativePath;
        try
        {
            return _regex.IsMatch(subject);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string Translate(string glob)
    {
        var sb = new StringBuilder();
        var braceDepth = 0;
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    var atSegmentStart = i == 0 || glob[i - 1] == '/';
                    i++;
                    if (i + 1 < glob.Length && glob[i + 1] == '/' && atSegmentStart)
                    {
                        i++;
                        sb.Append("(?:.*/)?"); // "**/" also matches no directory at all
                    }
                    else
                    {
                        sb.Append(".*");
                    }
                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[' when glob.IndexOf(']', i + 1) is var close && close > i + 1:
                    var set = glob[(i + 1)..close];
                    if (set[0] == '!')
                        set = "^" + set[1..];
                    sb.Append('[').Append(set.Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                case '{' when HasClosingBrace(glob, i):
                    braceDepth++;
                    sb.Append("(?:");
                    break;
                case ',' when braceDepth > 0:
                    sb.Append('|');
                    break;
                case '}' when braceDepth > 0:
                    braceDepth--;
                    sb.Append(')');
                    break;
                case '\\' when i + 1 < glob.Length:
                    i++;
                    sb.Append(Regex.Escape(glob[i].ToString()));
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool HasClosingBrace(string glob, int open)
    {
        var depth = 0;
        for (var i = open; i < glob.Length; i++)
        {
            if (glob[i] == '{')
                depth++;
            else if (glob[i] == '}' && --depth == 0)
                return true;
        }
        return false;
    }
}
