namespace Deckhand.Engine.Tools.Terminal;

/// <summary>Key names the model may send with <c>is_input</c>, as the bytes a terminal would send for them.</summary>
internal static class TerminalKeys
{
    private static readonly Dictionary<string, string> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UP"] = "\x1b[A",
        ["DOWN"] = "\x1b[B",
        ["RIGHT"] = "\x1b[C",
        ["LEFT"] = "\x1b[D",
        ["HOME"] = "\x1b[H",
        ["END"] = "\x1b[F",
        ["PGUP"] = "\x1b[5~",
        ["PGDN"] = "\x1b[6~",
        ["TAB"] = "\t",
        ["ESC"] = "\x1b",
        ["BS"] = "\x7f",
        ["ENTER"] = "\r",
    };

    /// <summary>
    /// The bytes for a key name (<c>C-c</c>, <c>C-&lt;letter&gt;</c>, <c>UP</c>, <c>ENTER</c>...), or null when
    /// <paramref name="input"/> is ordinary text.
    /// </summary>
    public static string? Lookup(string input)
    {
        var trimmed = input.Trim();
        if (trimmed.Length == 3 && trimmed[0] is 'C' or 'c' && trimmed[1] == '-' && char.IsAsciiLetter(trimmed[2]))
            return ((char)(char.ToUpperInvariant(trimmed[2]) & 0x1f)).ToString();
        return Named.GetValueOrDefault(trimmed);
    }
}
