using System.Text;

namespace Deckhand.Engine.Security;

/// <summary>One simple command of a shell line: its words (quotes removed) and where its output is redirected.</summary>
internal sealed record ShellCommand(IReadOnlyList<string> Words, IReadOnlyList<string> RedirectTargets)
{
    /// <summary>Index of the word that names the program, after prefixes such as <c>sudo</c>, <c>env X=1</c> or <c>nohup</c>.</summary>
    public int ProgramIndex { get; } = ShellText.ProgramIndex(Words);

    /// <summary>The program's base name (<c>/usr/bin/rm</c> and <c>\rm</c> are <c>rm</c>), or "" for an empty command.</summary>
    public string Program => ProgramIndex < Words.Count ? ShellText.BaseName(Words[ProgramIndex]) : "";

    /// <summary>The words after the program.</summary>
    public IEnumerable<string> Arguments => Words.Skip(ProgramIndex + 1);
}

/// <summary>
/// A rough, forgiving reading of a bash command line for the risk rules: splits it into simple commands at
/// <c>; &amp;&amp; || | &amp;</c> and newlines, removes quotes, collects redirect targets, and reads commands nested in
/// <c>$(...)</c>, backticks, process substitutions and <c>bash -c '...'</c> as commands of their own. It never fails:
/// odd input just gives odd words, and the rules err on the side of a higher risk.
/// </summary>
internal static class ShellText
{
    private static readonly HashSet<string> Prefixes = new(StringComparer.Ordinal)
    {
        "sudo", "doas", "command", "builtin", "exec", "nohup", "time", "nice", "ionice", "timeout", "stdbuf", "xargs",
        "env", "then", "do", "else", "elif", "if", "while", "until", "!", "{", "}", "watch", "caffeinate", "setsid",
    };

    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal) { "sh", "bash", "zsh", "dash", "ksh", "ash" };

    public static List<ShellCommand> Split(string line, int depth = 0)
    {
        var commands = new List<ShellCommand>();
        if (depth > 8)
            return commands;
        var text = Clean(line);
        var words = new List<string>();
        var redirects = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var target = WordRole.Argument;
        char quote = '\0';

        void EndWord()
        {
            if (!inWord)
                return;
            var value = word.ToString();
            word.Clear();
            inWord = false;
            switch (target)
            {
                case WordRole.RedirectTarget: redirects.Add(value); break;
                case WordRole.Argument: words.Add(value); break;
            }
            target = WordRole.Argument;
        }

        void EndCommand()
        {
            EndWord();
            if (words.Count > 0 || redirects.Count > 0)
                Add(commands, new ShellCommand(words, redirects), depth);
            words = [];
            redirects = [];
            target = WordRole.Argument;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (quote == '\'')
            {
                if (c == '\'')
                    quote = '\0';
                else
                    word.Append(c);
                continue;
            }
            if (c == '$' && next == '(' || quote == '\0' && c is '<' or '>' && next == '(')
            {
                // Command or process substitution: its content is a command line of its own.
                var end = Closing(text, i + 1);
                commands.AddRange(Split(text[(i + 2)..end], depth + 1));
                if (c != '$')
                    EndWord(); // <(...) stands for a file name, not part of a word
                word.Append("$(...)");
                inWord = true;
                i = end;
                continue;
            }
            if (c == '`')
            {
                var end = text.IndexOf('`', i + 1);
                if (end < 0)
                    end = text.Length;
                commands.AddRange(Split(text[(i + 1)..end], depth + 1));
                word.Append("$(...)");
                inWord = true;
                i = end;
                continue;
            }
            if (quote == '"')
            {
                if (c == '"')
                    quote = '\0';
                else if (c == '\\' && next is '"' or '\\' or '$' or '`')
                    word.Append(text[++i]);
                else
                    word.Append(c);
                continue;
            }
            switch (c)
            {
                case '\\':
                    if (next == '\n')
                        i++;
                    else if (next != '\0')
                    {
                        word.Append(next);
                        inWord = true;
                        i++;
                    }
                    break;
                case '\'' or '"':
                    quote = c;
                    inWord = true;
                    break;
                case ' ' or '\t' or '\r':
                    EndWord();
                    break;
                case '\n' or ';' or '(' or ')':
                    EndCommand();
                    break;
                case '|':
                    if (next is '|' or '&')
                        i++;
                    EndCommand();
                    break;
                case '&':
                    if (next == '>')
                    {
                        EndWord();
                        i += At(text, i + 2) == '>' ? 2 : 1;
                        target = WordRole.RedirectTarget;
                    }
                    else
                    {
                        if (next == '&')
                            i++;
                        EndCommand();
                    }
                    break;
                case '>':
                    if (inWord && word.ToString().All(char.IsAsciiDigit))
                    {
                        word.Clear(); // "2>": the number is a file descriptor
                        inWord = false;
                    }
                    EndWord();
                    if (next == '>' || next == '|')
                        i++;
                    if (At(text, i + 1) == '&')
                    {
                        // >&2 duplicates a descriptor; there is no file.
                        i++;
                        while (i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) || text[i + 1] == '-'))
                            i++;
                        break;
                    }
                    target = WordRole.RedirectTarget;
                    break;
                case '<':
                    EndWord();
                    while (At(text, i + 1) is '<' or '-')
                        i++;
                    target = WordRole.Ignored; // an input file or a here-document delimiter
                    break;
                case '#' when !inWord:
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                        i++;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }
        EndCommand();
        return commands;
    }

    /// <summary>Adds a command, and the commands inside it when it is <c>bash -c '...'</c>, <c>eval ...</c> or <c>find -exec</c>.</summary>
    private static void Add(List<ShellCommand> commands, ShellCommand command, int depth)
    {
        commands.Add(command);
        var args = command.Arguments.ToList();
        if (Shells.Contains(command.Program))
        {
            var c = args.FindIndex(a => a.Length > 1 && a[0] == '-' && a[1] != '-' && a.Contains('c', StringComparison.Ordinal));
            if (c >= 0 && c + 1 < args.Count)
                commands.AddRange(Split(args[c + 1], depth + 1));
        }
        else if (command.Program == "eval" && args.Count > 0)
        {
            commands.AddRange(Split(string.Join(' ', args), depth + 1));
        }
        else if (command.Program == "find")
        {
            var exec = args.FindIndex(a => a is "-exec" or "-execdir" or "-ok" or "-okdir");
            if (exec >= 0)
            {
                var inner = args.Skip(exec + 1).TakeWhile(a => a is not (";" or "+")).ToList();
                if (inner.Count > 0)
                    commands.Add(new ShellCommand(inner, []));
            }
        }
    }

    internal static int ProgramIndex(IReadOnlyList<string> words)
    {
        var i = 0;
        while (i < words.Count)
        {
            var w = words[i];
            if (IsAssignment(w))
            {
                i++;
                continue;
            }
            var name = BaseName(w);
            if (!Prefixes.Contains(name))
                return i;
            // Skip the prefix's own options (sudo -u root, timeout 10, nice -n 5, env -i); if nothing follows, the
            // prefix itself is the program (a bare "env" prints the environment).
            var j = i + 1;
            while (j < words.Count && (words[j].StartsWith('-') || IsAssignment(words[j])
                       || name is "timeout" or "nice" && words[j].Length > 0 && char.IsAsciiDigit(words[j][0])))
            {
                j += name is "sudo" or "doas" && words[j] is "-u" or "-g" ? 2 : 1;
            }
            if (j >= words.Count)
                return i;
            i = j;
        }
        return i;
    }

    public static string BaseName(string word)
    {
        var w = word.TrimStart('\\');
        var slash = w.LastIndexOf('/');
        return slash >= 0 && slash < w.Length - 1 ? w[(slash + 1)..] : w;
    }

    private static bool IsAssignment(string word)
    {
        var eq = word.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || !(char.IsAsciiLetter(word[0]) || word[0] == '_'))
            return false;
        for (var k = 1; k < eq; k++)
        {
            if (!(char.IsAsciiLetterOrDigit(word[k]) || word[k] == '_'))
                return false;
        }
        return true;
    }

    private static char At(string text, int index) => index < text.Length ? text[index] : '\0';

    /// <summary>Index of the parenthesis closing the one at <paramref name="open"/>, or the end of the text.</summary>
    private static int Closing(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '(')
                depth++;
            else if (text[i] == ')' && --depth == 0)
                return i;
        }
        return text.Length;
    }

    /// <summary>Drops characters that hide words from a reader but not from bash (zero-width spaces, BOMs).</summary>
    public static string Clean(string text)
    {
        if (!text.Any(c => c is '\u200b' or '\u200c' or '\u200d' or '\u2060' or '\ufeff' or '\u00ad'))
            return text;
        return string.Concat(text.Where(c => c is not ('\u200b' or '\u200c' or '\u200d' or '\u2060' or '\ufeff' or '\u00ad')));
    }

    private enum WordRole
    {
        Argument,
        RedirectTarget,
        Ignored,
    }
}
