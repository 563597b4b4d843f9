using System.Text;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>
/// A file's text seen with "\n" line breaks (<see cref="Normalized"/>), which is how models write text, plus the map
/// back to the file's own text, so matches and edits made on the normalized view land on the right bytes and every
/// line keeps its own ending (LF, CRLF, or a mix). A lone "\r" is not a line break here and stays as it is.
/// </summary>
internal sealed class LineText
{
    private readonly int[] _crlf; // normalized indices of the '\n's that are "\r\n" in the file
    private readonly int[] _breaks; // normalized indices of every '\n'

    public LineText(string original)
    {
        Original = original;
        var normalized = new StringBuilder(original.Length);
        var crlf = new List<int>();
        var breaks = new List<int>();
        for (var i = 0; i < original.Length; i++)
        {
            var c = original[i];
            if (c == '\r' && i + 1 < original.Length && original[i + 1] == '\n')
            {
                crlf.Add(normalized.Length);
                i++;
                c = '\n';
            }
            if (c == '\n')
                breaks.Add(normalized.Length);
            normalized.Append(c);
        }
        Normalized = normalized.ToString();
        _crlf = [.. crlf];
        _breaks = [.. breaks];
    }

    public string Original { get; }

    public string Normalized { get; }

    /// <summary>Lines as a reader counts them: "a\nb\n" and "a\nb" both have 2; an empty file has 0.</summary>
    public int LineCount => _breaks.Length + (Normalized.Length > 0 && !Normalized.EndsWith('\n') ? 1 : 0);

    public bool EndsWithNewline => Normalized.EndsWith('\n');

    /// <summary>The line ending most of the file uses; LF when it has none.</summary>
    public string DominantEnding => _crlf.Length * 2 > _breaks.Length ? "\r\n" : "\n";

    /// <summary>The lines without their endings.</summary>
    public string[] Lines()
    {
        var lines = Normalized.Split('\n');
        return EndsWithNewline || Normalized.Length == 0 ? lines[..^1] : lines;
    }

    /// <summary>The index in <see cref="Original"/> of normalized index <paramref name="index"/>.</summary>
    public int ToOriginal(int index) => index + CountBelow(_crlf, index);

    /// <summary>1-based line of normalized index <paramref name="index"/>.</summary>
    public int LineOf(int index) => 1 + CountBelow(_breaks, index);

    /// <summary>Normalized index where 1-based <paramref name="line"/> starts (may be the end of the text).</summary>
    public int LineStart(int line) => line <= 1 ? 0 : _breaks[line - 2] + 1;

    /// <summary>"\r\n", "\n", or null when 1-based <paramref name="line"/> is the last line and has no ending.</summary>
    public string? EndingOf(int line)
    {
        if (line < 1 || line > _breaks.Length)
            return null;
        var at = _breaks[line - 1];
        return Array.BinarySearch(_crlf, at) >= 0 ? "\r\n" : "\n";
    }

    /// <summary>The ending used by most line breaks in normalized [start, end), or null when it has none or a tie.</summary>
    public string? MostCommonEndingWithin(int start, int end)
    {
        var all = CountBelow(_breaks, end) - CountBelow(_breaks, start);
        var crlf = CountBelow(_crlf, end) - CountBelow(_crlf, start);
        var lf = all - crlf;
        return crlf > lf ? "\r\n" : lf > crlf ? "\n" : null;
    }

    /// <summary>Turns the "\n" line breaks of <paramref name="text"/> (and any "\r\n") into <paramref name="ending"/>.</summary>
    public static string WithEnding(string text, string ending)
    {
        var normalized = Normalize(text);
        return ending == "\n" ? normalized : normalized.Replace("\n", ending, StringComparison.Ordinal);
    }

    public static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static int CountBelow(int[] sorted, int value)
    {
        var at = Array.BinarySearch(sorted, value);
        return at >= 0 ? at : ~at;
    }
}
