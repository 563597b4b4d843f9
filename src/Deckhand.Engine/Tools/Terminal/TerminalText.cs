using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Deckhand.Engine.Tools.Terminal;

/// <summary>Turns raw terminal output into text a model can read, and keeps it within the output budget.</summary>
internal static partial class TerminalText
{
    // CSI (colours, cursor moves), OSC (titles, hyperlinks), DCS/SOS/PM/APC strings, charset selection and other
    // two-byte escapes.
    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)?|[PX^_][^\x1B]*(?:\x1B\\)?|[()*+][ -~]|[ -/]*[0-~])?")]
    private static partial Regex Escapes();

    [GeneratedRegex(@"[\x00-\x08\x0B-\x1F\x7F-\x9F]")]
    private static partial Regex Controls();

    [GeneratedRegex(@"[^\n\x08]\x08")]
    private static partial Regex Overstrike();

    /// <summary>
    /// Strips escape sequences and control characters. A carriage return inside a line means the program redrew it
    /// (progress bars), so only the text after the last one is kept.
    /// </summary>
    public static string Clean(string raw)
    {
        if (raw.Length == 0)
            return raw;
        var text = Escapes().Replace(raw, "");
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (text.Contains('\r', StringComparison.Ordinal))
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                var cr = line.TrimEnd('\r').LastIndexOf('\r');
                lines[i] = cr >= 0 ? line[(cr + 1)..] : line;
            }
            text = string.Join('\n', lines);
        }
        if (text.Contains('\b', StringComparison.Ordinal))
            text = Overstrike().Replace(text, "");
        return Controls().Replace(text, "");
    }

    /// <summary>
    /// Keeps the head and tail of <paramref name="output"/> within <paramref name="budget"/> characters. When it cuts,
    /// the whole output is written to <paramref name="saveDir"/> (named by its hash) and the marker says where.
    /// </summary>
    public static string Truncate(string output, int budget, string saveDir, out string? savedTo)
    {
        savedTo = null;
        if (output.Length <= budget)
            return output;

        Directory.CreateDirectory(saveDir);
        var bytes = Encoding.UTF8.GetBytes(output);
        var name = $"terminal_output_{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}.txt";
        var path = Path.Combine(saveDir, name);
        if (!File.Exists(path))
            File.WriteAllBytes(path, bytes);
        savedTo = saveDir;

        var keep = Math.Max(budget - 400, 2000);
        var head = keep / 2;
        var tail = keep - head;
        var omitted = output.Length - head - tail;
        var marker = $"\n\n[... {omitted:N0} characters cut from the middle of this output. The complete output "
            + $"({output.Length:N0} characters) is saved in {path}; read the part you need from there, e.g. with "
            + "grep, or sed -n with a line range ...]\n\n";
        return string.Concat(output.AsSpan(0, head), marker, output.AsSpan(output.Length - tail));
    }
}
