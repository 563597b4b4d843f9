using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Deckhand.Engine.Tools.Terminal;

/// <summary>What the shell reported when a command finished.</summary>
internal sealed record ShellStatus(int ExitCode, int LastBackgroundPid, string User, string Host, string WorkingDir, string? Python);

/// <summary>
/// The text exchanged with the shell: the setup line, how a command is sent, and the markers around its output.
/// </summary>
/// <remarks>
/// <para><b>Markers.</b> Each session has a random token. The command line we send prints <c>TOKEN:B</c> before the
/// command runs; <c>PROMPT_COMMAND</c> prints <c>TOKEN:E:exit:bgpid:user:host</c>, the working directory, the
/// python path and <c>TOKEN:Z</c> before every prompt. The end marker lives in <c>PROMPT_COMMAND</c>, not in the
/// command line, because an interactive bash abandons the rest of a command line when a job dies of C-c, but it
/// always prompts again. <c>PROMPT_COMMAND</c> is made read-only so a user (or a script) cannot remove it; PS1 is
/// irrelevant (whatever the prompt prints comes after the end marker and before the next begin marker, and is
/// dropped). Escape codes cannot fake a marker because the token is random.</para>
/// <para><b>Sending.</b> The shell runs without line editing and with tty echo off, so nothing we type is echoed
/// back. The command is sent as an ANSI-C quoted string (<c>$'...'</c>) assigned to a variable and run with
/// <c>eval</c> in the shell itself (so cd, exports, functions and venvs persist). That makes any multi-line text one
/// command line and one prompt: an unterminated quote becomes a syntax error instead of a shell stuck waiting for
/// more input; control characters are escaped so the line discipline never sees a C-c or C-d in the text; and the
/// string is split into physical lines joined by backslash-newline, below the tty's 4095-byte line limit.
/// <c>$?</c> is carried over so <c>echo $?</c> still shows the previous command's status.</para>
/// </remarks>
internal sealed class ShellProtocol
{
    private const int CharsPerLine = 1000;

    public ShellProtocol() => Token = "__DH" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public string Token { get; }

    public string Begin => Token + ":B";

    public string End => Token + ":E:";

    public string Close => Token + ":Z";

    /// <summary>The first line sent to a new shell; it ends by printing a begin marker, then the prompt prints the end.</summary>
    public string Setup() =>
        "set +H; set +o history; unset HISTFILE; PS1=''; PS2=''; __dh_last=0; "
        + "__dh_user=$(id -un 2>/dev/null || builtin echo \"${USER:-}\"); "
        + "__dh_rc() { return \"$1\"; }; "
        + $"__dh_begin() {{ builtin printf '%s:B\\n' {Token}; }}; "
        + "__dh_end() { __dh_last=$?; "
        + $"builtin printf '\\n%s:E:%s:%s:%s:%s\\n%s\\n' {Token} \"$__dh_last\" \"${{!:-}}\" \"$__dh_user\" \"${{HOSTNAME:-}}\" \"$PWD\"; "
        + "builtin command -v python 2>/dev/null || builtin command -v python3 2>/dev/null || builtin printf '\\n'; "
        + $"builtin printf '%s:Z\\n' {Token}; }}; "
        + "declare -r PROMPT_COMMAND=__dh_end; __dh_begin\n";

    /// <summary>
    /// The lines that run <paramref name="command"/> (see remarks on the class), after exporting
    /// <paramref name="exports"/> in the shell itself (secrets: never echoed, and before <c>$?</c> is restored).
    /// </summary>
    public string Wrap(string command, IReadOnlyList<KeyValuePair<string, string>>? exports = null)
    {
        var text = new StringBuilder("__dh_begin; ");
        var lineChars = text.Length;
        foreach (var (name, value) in exports ?? [])
        {
            text.Append("export ").Append(name).Append('=');
            lineChars += name.Length + 8;
            AppendQuoted(text, value, ref lineChars);
            text.Append("; ");
        }
        text.Append("__dh_c=");
        AppendQuoted(text, command, ref lineChars);
        text.Append("; if __dh_rc \"$__dh_last\"; then eval \"$__dh_c\"; else eval \"$__dh_c\"; fi\n");
        return text.ToString();
    }

    /// <summary>Appends <paramref name="value"/> as an ANSI-C quoted string, split into physical lines below the tty limit.</summary>
    private static void AppendQuoted(StringBuilder text, string value, ref int lineChars)
    {
        text.Append("$'");
        foreach (var c in value)
        {
            if (lineChars >= CharsPerLine)
            {
                text.Append("'\\\n$'");
                lineChars = 0;
            }
            var before = text.Length;
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\'': text.Append("\\'"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ' or '\x7f': text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}"); break;
                default: text.Append(c); break;
            }
            lineChars += text.Length - before;
        }
        text.Append('\'');
    }

    /// <summary>Parses the lines between <see cref="End"/> (exclusive) and <see cref="Close"/>.</summary>
    public static ShellStatus? ParseStatus(string block)
    {
        // block: "exit:bgpid:user:host\r\ncwd\r\npython\r\n"
        var lines = block.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        if (lines.Length < 3)
            return null;
        var head = lines[0].Split(':');
        if (head.Length < 4 || !int.TryParse(head[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var exit))
            return null;
        var pid = int.TryParse(head[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : -1;
        var python = lines[2].Trim();
        return new ShellStatus(exit, pid, head[2], string.Join(':', head[3..]), lines[1], python.Length > 0 ? python : null);
    }
}
