using System.Globalization;
using System.Text;

namespace Deckhand.Engine.Skills;

/// <summary>A skill file that is not valid; the message says where and why.</summary>
internal sealed class SkillFormatException(string message) : Exception(message);

/// <summary>
/// Reads the YAML front matter of a skill file: a block between a first line <c>---</c> and the next <c>---</c>.
/// Only the subset skill files use is supported: mappings, block and flow sequences, one level of nesting inside
/// a sequence item, plain/quoted scalars, plain scalars continued on more-indented lines, and <c>|</c>/<c>&gt;</c>
/// block scalars. Values come back as <see cref="string"/>, <see cref="List{T}"/> of values, or
/// <see cref="Dictionary{TKey, TValue}"/> of values. Anything else is a <see cref="SkillFormatException"/>.
/// </summary>
internal static class FrontMatter
{
    public static (Dictionary<string, object?> Meta, string Body) Split(string text)
    {
        if (text.StartsWith('\uFEFF'))
            text = text[1..];
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd() != "---")
            return (new Dictionary<string, object?>(StringComparer.Ordinal), text);
        var close = Array.FindIndex(lines, 1, l => l.TrimEnd() is "---" or "...");
        if (close < 0)
            throw new SkillFormatException("the front matter starts with '---' but has no closing '---' line.");
        var yaml = lines[1..close];
        var body = string.Join('\n', lines[(close + 1)..]).TrimStart('\n');
        var parser = new Parser(yaml);
        return (parser.ParseDocument(), body);
    }

    private sealed class Parser(string[] lines)
    {
        private int _at;

        public Dictionary<string, object?> ParseDocument()
        {
            SkipBlank();
            if (_at >= lines.Length)
                return new Dictionary<string, object?>(StringComparer.Ordinal);
            var indent = Indent(lines[_at]);
            var map = ParseMapping(indent);
            SkipBlank();
            if (_at < lines.Length)
                throw Error("unexpected indentation");
            return map;
        }

        private Dictionary<string, object?> ParseMapping(int indent, string? firstLine = null)
        {
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                string content;
                if (firstLine is not null)
                {
                    content = firstLine;
                    firstLine = null;
                }
                else
                {
                    SkipBlank();
                    if (_at >= lines.Length || Indent(lines[_at]) != indent)
                        return map;
                    content = lines[_at][indent..];
                    _at++;
                }
                if (content.StartsWith('-'))
                    throw Error("a list item where a 'key: value' line was expected");
                var colon = KeyEnd(content);
                if (colon < 0)
                    throw Error($"expected 'key: value' but found \"{Shorten(content)}\"");
                var key = Unquote(content[..colon].Trim());
                if (map.ContainsKey(key))
                    throw Error($"the key '{key}' appears twice");
                map[key] = ParseValue(content[(colon + 1)..].Trim(), indent);
            }
        }

        /// <summary>The value after <c>key:</c>, which may continue on the following lines.</summary>
        private object? ParseValue(string inline, int parentIndent)
        {
            inline = StripComment(inline);
            if (inline.Length > 0 && inline[0] is '|' or '>')
                return BlockScalar(inline, parentIndent);
            if (inline.Length > 0)
            {
                var value = Scalar(inline);
                // A plain scalar may continue on more-indented lines (folded with spaces).
                if (value is string s && inline[0] is not ('"' or '\'' or '[' or '{'))
                {
                    var more = new StringBuilder(s);
                    while (_at < lines.Length && lines[_at].Trim().Length > 0 && Indent(lines[_at]) > parentIndent
                           && !lines[_at].TrimStart().StartsWith('#'))
                    {
                        more.Append(' ').Append(StripComment(lines[_at].Trim()));
                        _at++;
                    }
                    return more.ToString();
                }
                return value;
            }
            SkipBlank();
            if (_at >= lines.Length)
                return null;
            var next = lines[_at];
            var indent = Indent(next);
            if (next[indent..].StartsWith('-') && indent >= parentIndent)
                return ParseSequence(indent);
            if (indent > parentIndent)
                return ParseMapping(indent);
            return null;
        }

        private List<object?> ParseSequence(int indent)
        {
            var list = new List<object?>();
            while (true)
            {
                SkipBlank();
                if (_at >= lines.Length || Indent(lines[_at]) != indent || !lines[_at][indent..].StartsWith('-'))
                    return list;
                var item = lines[_at][(indent + 1)..];
                _at++;
                var itemText = item.TrimStart();
                if (itemText.Length == 0)
                {
                    list.Add(ParseValue("", indent));
                    continue;
                }
                var itemIndent = indent + 1 + (item.Length - itemText.Length);
                if (KeyEnd(itemText) >= 0 && itemText[0] is not ('"' or '\'' or '[' or '{'))
                    list.Add(ParseMapping(itemIndent, itemText)); // "- key: value", more keys below at itemIndent
                else
                    list.Add(ParseValue(itemText, indent));
            }
        }

        private string BlockScalar(string header, int parentIndent)
        {
            var folded = header[0] == '>';
            var keep = header.Contains('+', StringComparison.Ordinal);
            var strip = header.Contains('-', StringComparison.Ordinal);
            var collected = new List<string>();
            var blockIndent = -1;
            while (_at < lines.Length)
            {
                var line = lines[_at];
                if (line.Trim().Length == 0)
                {
                    collected.Add("");
                    _at++;
                    continue;
                }
                var indent = Indent(line);
                if (indent <= parentIndent)
                    break;
                if (blockIndent < 0)
                    blockIndent = indent;
                if (indent < blockIndent)
                    break;
                collected.Add(line[blockIndent..]);
                _at++;
            }
            var trailing = 0;
            while (collected.Count > 0 && collected[^1].Length == 0)
            {
                collected.RemoveAt(collected.Count - 1);
                trailing++;
            }
            string text;
            if (!folded)
            {
                text = string.Join('\n', collected);
            }
            else
            {
                var sb = new StringBuilder();
                for (var i = 0; i < collected.Count; i++)
                {
                    if (i > 0)
                        sb.Append(collected[i].Length == 0 || collected[i - 1].Length == 0 ? "\n" : " ");
                    sb.Append(collected[i]);
                }
                text = sb.ToString();
            }
            if (strip || text.Length == 0)
                return text;
            return keep ? text + new string('\n', trailing + 1) : text + "\n";
        }

        private object? Scalar(string text)
        {
            if (text[0] == '[')
            {
                if (!text.EndsWith(']'))
                    throw Error("a '[' list that does not end with ']' on the same line");
                return SplitFlow(text[1..^1]).Select(item => (object?)ScalarString(item)).ToList();
            }
            if (text[0] == '{')
            {
                if (!text.EndsWith('}'))
                    throw Error("a '{' mapping that does not end with '}' on the same line");
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var pair in SplitFlow(text[1..^1]))
                {
                    var colon = KeyEnd(pair);
                    if (colon < 0)
                        throw Error($"expected 'key: value' inside {{...}} but found \"{Shorten(pair)}\"");
                    map[Unquote(pair[..colon].Trim())] = ScalarString(pair[(colon + 1)..].Trim());
                }
                return map;
            }
            return ScalarString(text);
        }

        private string? ScalarString(string text)
        {
            text = text.Trim();
            if (text.Length == 0 || text is "~" or "null" or "Null" or "NULL")
                return text.Length == 0 ? "" : null;
            if (text[0] is '"' or '\'')
            {
                if (text.Length < 2 || text[^1] != text[0])
                    throw Error($"an unterminated quoted string: {Shorten(text)}");
                return Unquote(text);
            }
            return text;
        }

        private List<string> SplitFlow(string inner)
        {
            var items = new List<string>();
            var current = new StringBuilder();
            char quote = '\0';
            foreach (var c in inner)
            {
                if (quote != '\0')
                {
                    current.Append(c);
                    if (c == quote)
                        quote = '\0';
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                    current.Append(c);
                }
                else if (c == ',')
                {
                    items.Add(current.ToString().Trim());
                    current.Clear();
                }
                else if (c is '[' or '{')
                {
                    throw Error("nested lists or mappings inside [...] are not supported");
                }
                else
                {
                    current.Append(c);
                }
            }
            if (quote != '\0')
                throw Error("an unterminated quoted string inside [...]");
            if (current.ToString().Trim().Length > 0)
                items.Add(current.ToString().Trim());
            return items;
        }

        /// <summary>Index of the colon that ends a mapping key (followed by a space or the end), outside quotes; -1 if none.</summary>
        private static int KeyEnd(string text)
        {
            char quote = '\0';
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quote != '\0')
                {
                    if (c == quote)
                        quote = '\0';
                    continue;
                }
                if (i == 0 && c is '"' or '\'')
                {
                    quote = c;
                    continue;
                }
                if (c == ':' && (i + 1 == text.Length || text[i + 1] is ' ' or '\t'))
                    return i;
                if (c == '#' && i > 0 && text[i - 1] == ' ')
                    return -1;
            }
            return -1;
        }

        private static string Unquote(string text)
        {
            if (text.Length >= 2 && text[0] == '\'' && text[^1] == '\'')
                return text[1..^1].Replace("''", "'", StringComparison.Ordinal);
            if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
            {
                var sb = new StringBuilder();
                for (var i = 1; i < text.Length - 1; i++)
                {
                    var c = text[i];
                    if (c != '\\' || i + 1 >= text.Length - 1)
                    {
                        sb.Append(c);
                        continue;
                    }
                    var e = text[++i];
                    sb.Append(e switch
                    {
                        'n' => "\n",
                        't' => "\t",
                        'r' => "\r",
                        '0' => "\0",
                        '"' => "\"",
                        '\\' => "\\",
                        '/' => "/",
                        _ => "\\" + e,
                    });
                }
                return sb.ToString();
            }
            return text;
        }

        private static string StripComment(string text)
        {
            if (text.StartsWith('#'))
                return "";
            if (text.Length > 0 && text[0] is '"' or '\'')
                return text; // a quoted scalar keeps its '#'; trailing comments after quotes are rare
            var at = text.IndexOf(" #", StringComparison.Ordinal);
            return at >= 0 ? text[..at].TrimEnd() : text;
        }

        private void SkipBlank()
        {
            while (_at < lines.Length && (lines[_at].Trim().Length == 0 || lines[_at].TrimStart().StartsWith('#')))
                _at++;
        }

        private int Indent(string line)
        {
            var i = 0;
            while (i < line.Length && line[i] == ' ')
                i++;
            if (i < line.Length && line[i] == '\t')
                throw Error("tabs cannot indent YAML; use spaces");
            return i;
        }

        private SkillFormatException Error(string what) =>
            new(string.Create(CultureInfo.InvariantCulture, $"front matter line {Math.Max(_at, 1) + 1}: {what}."));

        private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
    }
}
