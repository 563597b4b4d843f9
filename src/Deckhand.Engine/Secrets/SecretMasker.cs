using System.Text;
using System.Text.RegularExpressions;

namespace Deckhand.Engine.Secrets;

/// <summary>
/// Replaces known secret values with <see cref="Mask"/>: each value as is, trimmed, each long line of a multi-line
/// value, and its base64 forms (standard and URL-safe, at any alignment inside a longer base64 string, so
/// <c>echo -n "user:$TOKEN" | base64</c> is caught too). Values shorter than <see cref="MinLength"/> characters are not
/// masked: hiding every "ab" in all output would make it unreadable and protect nothing. Immutable and thread-safe.
/// </summary>
public sealed class SecretMasker
{
    public const string Mask = "<secret-hidden>";
    public const int MinLength = 3;

    /// <summary>Derived forms (encodings, lines) shorter than this are not masked: too likely to match by chance.</summary>
    public const int MinDerivedLength = 8;

    /// <summary>Only values up to this long are held back when output ends with their beginning (see <see cref="PartialTail"/>).</summary>
    private const int MaxHoldBack = 1024;

    private readonly Regex? _pattern;
    private readonly string[] _values;

    public static SecretMasker Empty { get; } = new([]);

    public SecretMasker(IEnumerable<string> values)
    {
        _values = [.. values.Where(v => v.Length >= MinLength).Distinct(StringComparer.Ordinal)];
        var forms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in _values)
        {
            forms.Add(value);
            foreach (var form in Derived(value))
            {
                if (form.Length >= MinDerivedLength)
                    forms.Add(form);
            }
        }
        if (forms.Count == 0)
            return;
        // The mask itself comes first and is replaced by itself, so masking twice never mangles it; longer forms
        // before shorter so a value that contains another is masked whole.
        var alternatives = forms.OrderByDescending(f => f.Length).ThenBy(f => f, StringComparer.Ordinal).Select(Regex.Escape);
        _pattern = new Regex(Regex.Escape(Mask) + "|" + string.Join("|", alternatives), RegexOptions.CultureInvariant);
    }

    public bool IsEmpty => _pattern is null;

    public string Apply(string text) =>
        _pattern is null || string.IsNullOrEmpty(text) ? text : _pattern.Replace(text, Mask);

    /// <summary>
    /// The length of the longest end of <paramref name="text"/> that is the beginning of a secret value: output that
    /// is still arriving may complete the value in the next chunk, so the caller holds that much back.
    /// </summary>
    public int PartialTail(string text)
    {
        var best = 0;
        foreach (var value in _values)
        {
            if (value.Length > MaxHoldBack)
                continue;
            for (var k = Math.Min(value.Length - 1, text.Length); k > best; k--)
            {
                if (text.AsSpan(text.Length - k).SequenceEqual(value.AsSpan(0, k)))
                {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private static IEnumerable<string> Derived(string value)
    {
        var trimmed = value.Trim();
        if (trimmed != value)
            yield return trimmed;
        if (trimmed.Contains('\n', StringComparison.Ordinal))
        {
            foreach (var line in trimmed.Split('\n'))
                yield return line.Trim();
        }
        foreach (var encoded in Base64Forms(Encoding.UTF8.GetBytes(trimmed)))
        {
            yield return encoded;
            if (encoded.Contains('+', StringComparison.Ordinal) || encoded.Contains('/', StringComparison.Ordinal))
                yield return encoded.Replace('+', '-').Replace('/', '_');
        }
    }

    /// <summary>
    /// The whole encoding (padded and not), and for each of the three alignments the part of the encoding that depends
    /// only on the value's bytes: the complete 3-byte groups starting 0, 1 or 2 bytes in.
    /// </summary>
    private static IEnumerable<string> Base64Forms(byte[] bytes)
    {
        var whole = Convert.ToBase64String(bytes);
        yield return whole;
        yield return whole.TrimEnd('=');
        for (var offset = 0; offset < 3 && offset < bytes.Length; offset++)
        {
            var groups = (bytes.Length - offset) / 3;
            if (groups > 0)
                yield return Convert.ToBase64String(bytes, offset, groups * 3);
        }
    }
}
