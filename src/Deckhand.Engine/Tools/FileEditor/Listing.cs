using System.Globalization;
using System.Text;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>Renders what <c>view</c> shows: numbered lines of a file, or a directory two levels deep.</summary>
internal static class Listing
{
    /// <summary>About the most a single observation shows; the rest is for view_range or grep.</summary>
    public const int MaxChars = 16_000;

    /// <summary>A line as <c>cat -n</c> shows it: the number right-aligned in 6 columns, a tab, the text.</summary>
    public static string NumberedLine(int number, string line) =>
        number.ToString(CultureInfo.InvariantCulture).PadLeft(6) + "\t" + line;

    /// <summary>
    /// Numbers <paramref name="lines"/>[from-1 .. to-1] and stops before <see cref="MaxChars"/>; returns the text and the
    /// last line shown (a single line longer than the limit is cut and counts as shown).
    /// </summary>
    public static (string Text, int LastShown) Numbered(string[] lines, int from, int to, int maxChars = MaxChars)
    {
        var text = new StringBuilder();
        var last = from - 1;
        for (var n = from; n <= to; n++)
        {
            var line = NumberedLine(n, lines[n - 1]);
            if (text.Length + line.Length + 1 > maxChars)
            {
                if (n == from)
                {
                    text.Append(line.AsSpan(0, maxChars)).Append(" [line cut]").Append('\n');
                    last = n;
                }
                break;
            }
            text.Append(line).Append('\n');
            last = n;
        }
        return (text.ToString(), last);
    }

    /// <summary>Files and directories up to two levels below <paramref name="path"/>, hidden ones (".name") skipped.</summary>
    public static string Directory(string path)
    {
        var root = path.Length > 1 ? path.TrimEnd('/') : path;
        var entries = new StringBuilder();
        var hidden = 0;
        var shown = 0;
        var cut = false;

        void Walk(string dir, string display, int depth)
        {
            foreach (var entry in Children(dir))
            {
                if (cut)
                    return;
                if (entry.Name.StartsWith('.'))
                {
                    hidden++;
                    continue;
                }
                var isDir = entry is DirectoryInfo;
                var line = Path.Join(display, entry.Name) + (isDir ? "/" : "");
                if (entries.Length + line.Length + 1 > MaxChars)
                {
                    cut = true;
                    return;
                }
                entries.Append(line).Append('\n');
                shown++;
                if (isDir && depth < 2)
                    Walk(entry.FullName, Path.Join(display, entry.Name), depth + 1);
            }
        }

        Walk(path, root, 1);
        var result = new StringBuilder();
        result.Append(CultureInfo.InvariantCulture, $"Files and directories in {(root.EndsWith('/') ? root : root + "/")}, two levels deep (hidden entries skipped):\n");
        result.Append(entries.Length == 0 ? "(no visible entries)\n" : entries.ToString());
        if (cut)
        {
            result.Append(CultureInfo.InvariantCulture,
                $"[Listing cut after {shown} entries to keep it short. View a subdirectory, or use `find {root} -maxdepth 2` in the terminal.]\n");
        }
        else if (hidden > 0)
        {
            result.Append(CultureInfo.InvariantCulture,
                $"{hidden} hidden {(hidden == 1 ? "entry was" : "entries were")} skipped; `ls -la {root}` shows {(hidden == 1 ? "it" : "them")}.\n");
        }
        return result.ToString();
    }

    private static IEnumerable<FileSystemInfo> Children(string dir)
    {
        try
        {
            return new DirectoryInfo(dir)
                .EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 })
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
