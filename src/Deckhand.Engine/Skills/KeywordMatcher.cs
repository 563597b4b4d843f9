namespace Deckhand.Engine.Skills;

/// <summary>
/// Finds skill keywords in user text: case-insensitive, and a keyword's letter or digit at either end must not touch
/// another letter or digit (so <c>git</c> does not match <c>github</c>, while <c>/linear</c> matches after a space).
/// </summary>
internal static class KeywordMatcher
{
    /// <summary>The first of <paramref name="keywords"/> that occurs in <paramref name="text"/>, or null.</summary>
    public static string? FirstMatch(string text, IEnumerable<string> keywords)
    {
        foreach (var keyword in keywords)
        {
            if (Occurs(text, keyword))
                return keyword;
        }
        return null;
    }

    public static bool Occurs(string text, string keyword)
    {
        keyword = keyword.Trim();
        if (keyword.Length == 0)
            return false;
        var from = 0;
        while (from <= text.Length - keyword.Length)
        {
            var at = text.IndexOf(keyword, from, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
                return false;
            var end = at + keyword.Length;
            var leftOk = !char.IsLetterOrDigit(keyword[0]) || at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            var rightOk = !char.IsLetterOrDigit(keyword[^1]) || end == text.Length || !char.IsLetterOrDigit(text[end]);
            if (leftOk && rightOk)
                return true;
            from = at + 1;
        }
        return false;
    }
}
