namespace Deckhand.V0.Events;

internal static class V0Time
{
    /// <summary>
    /// Deckhand stores naive local time with six fraction digits; Python's <c>isoformat()</c>, which V0 clients saw,
    /// leaves the fraction out when it is zero.
    /// </summary>
    public static string Format(string timestamp) =>
        timestamp.Length == 26 && timestamp.EndsWith(".000000", StringComparison.Ordinal) ? timestamp[..19] : timestamp;
}
