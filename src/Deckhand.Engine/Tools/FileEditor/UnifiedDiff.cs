using System.Globalization;
using System.Text;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>
/// A one-hunk unified diff between two versions of a file (line endings normalized). Every edit this tool makes
/// changes one contiguous region, so trimming the common head and tail gives the exact hunk without a diff library.
/// </summary>
internal static class UnifiedDiff
{
    private const int Context = 3;
    private const int MaxChars = 8_000;

    public static string Between(string path, string before, string after)
    {
        var a = SplitKeepingEnds(LineText.Normalize(before));
        var b = SplitKeepingEnds(LineText.Normalize(after));
        var head = 0;
        while (head < a.Count && head < b.Count && a[head] == b[head])
            head++;
        var tail = 0;
        while (tail < a.Count - head && tail < b.Count - head && a[^(tail + 1)] == b[^(tail + 1)])
            tail++;
        if (head == a.Count && head == b.Count)
            return "(no changes)\n";

        var from = Math.Max(0, head - Context);
        var aEnd = Math.Min(a.Count, a.Count - tail + Context);
        var bEnd = Math.Min(b.Count, b.Count - tail + Context);
        var diff = new StringBuilder();
        diff.Append(CultureInfo.InvariantCulture, $"--- {path}\n+++ {path}\n");
        diff.Append(CultureInfo.InvariantCulture, $"@@ -{Range(from, aEnd - from)} +{Range(from, bEnd - from)} @@\n");
        var body = new List<string>();
        for (var i = from; i < head; i++)
            body.Add(" " + a[i]);
        for (var i = head; i < a.Count - tail; i++)
            body.Add("-" + a[i]);
        for (var i = head; i < b.Count - tail; i++)
            body.Add("+" + b[i]);
        for (var i = a.Count - tail; i < aEnd; i++)
            body.Add(" " + a[i]);

        for (var i = 0; i < body.Count; i++)
        {
            var line = body[i].EndsWith('\n') ? body[i] : body[i] + "\n\\ No newline at end of file\n";
            if (diff.Length + line.Length > MaxChars)
            {
                diff.Append(CultureInfo.InvariantCulture, $"[diff cut: {body.Count - i} more lines; view the file to see them]\n");
                break;
            }
            diff.Append(line);
        }
        return diff.ToString();
    }

    private static string Range(int start, int count) =>
        count == 0 ? $"{start},0" : count == 1 ? $"{start + 1}" : $"{start + 1},{count}";

    private static List<string> SplitKeepingEnds(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < text.Length)
            lines.Add(text[start..]);
        return lines;
    }
}
