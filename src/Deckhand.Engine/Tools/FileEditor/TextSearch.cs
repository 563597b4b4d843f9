using System.Text.RegularExpressions;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>Finds old_str in a file and, when it is not there verbatim, what the model probably meant.</summary>
internal static partial class TextSearch
{
    private const int MaxListed = 20;

    /// <summary>Every start index of <paramref name="needle"/>, overlapping ones included.</summary>
    public static List<int> Occurrences(string haystack, string needle)
    {
        var found = new List<int>();
        for (var at = haystack.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = haystack.IndexOf(needle, at + 1, StringComparison.Ordinal))
            found.Add(at);
        return found;
    }

    public static string ListLines(IEnumerable<int> lines)
    {
        var all = lines.Distinct().ToList();
        var shown = string.Join(", ", all.Take(MaxListed));
        return all.Count > MaxListed ? $"{shown} and {all.Count - MaxListed} more" : shown;
    }

    /// <summary>Why <paramref name="oldStr"/> (normalized) may have missed, with candidate lines; null when nothing is close.</summary>
    public static string? NearMiss(LineText text, string oldStr)
    {
        var hints = new List<string>();
        if (LineNumberPrefix().IsMatch(oldStr))
            hints.Add("old_str seems to start with a line number copied from `view` output; line numbers are not part of the file.");

        var trimmed = oldStr.Trim();
        if (trimmed.Length > 0 && trimmed != oldStr)
        {
            var lines = Occurrences(text.Normalized, trimmed).Select(text.LineOf).ToList();
            if (lines.Count > 0)
                hints.Add($"Without its leading and trailing whitespace, old_str occurs at line(s) {ListLines(lines)}.");
        }

        if (hints.Count == 0)
        {
            var ranges = WhitespaceInsensitive(text.Lines(), oldStr);
            if (ranges.Count > 0)
            {
                var listed = ranges.Take(MaxListed).Select(r => r.First == r.Last ? $"{r.First}" : $"{r.First}-{r.Last}");
                hints.Add($"Ignoring differences in whitespace (indentation, tabs or spaces, trailing blanks) it matches line(s) "
                    + $"{string.Join(", ", listed)}{(ranges.Count > MaxListed ? " and more" : "")}. View those lines and copy their exact text.");
            }
        }
        return hints.Count == 0 ? null : string.Join(" ", hints);
    }

    /// <summary>Line ranges whose text equals <paramref name="oldStr"/> once runs of whitespace are collapsed.</summary>
    private static List<(int First, int Last)> WhitespaceInsensitive(string[] fileLines, string oldStr)
    {
        var wanted = oldStr.Split('\n').Select(Collapse).ToList();
        while (wanted.Count > 0 && wanted[0].Length == 0)
            wanted.RemoveAt(0);
        while (wanted.Count > 0 && wanted[^1].Length == 0)
            wanted.RemoveAt(wanted.Count - 1);
        var found = new List<(int, int)>();
        if (wanted.Count == 0)
            return found;

        var collapsed = fileLines.Select(Collapse).ToArray();
        for (var i = 0; i + wanted.Count <= collapsed.Length; i++)
        {
            bool match;
            if (wanted.Count == 1)
            {
                match = collapsed[i].Contains(wanted[0], StringComparison.Ordinal);
            }
            else
            {
                match = collapsed[i].EndsWith(wanted[0], StringComparison.Ordinal)
                    && collapsed[i + wanted.Count - 1].StartsWith(wanted[^1], StringComparison.Ordinal);
                for (var k = 1; match && k < wanted.Count - 1; k++)
                    match = collapsed[i + k] == wanted[k];
            }
            if (match)
                found.Add((i + 1, i + wanted.Count));
        }
        return found;
    }

    private static string Collapse(string line) => string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"^\s*\d+\t")]
    private static partial Regex LineNumberPrefix();
}
