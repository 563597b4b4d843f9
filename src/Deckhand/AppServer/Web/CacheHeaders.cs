namespace Deckhand.AppServer.Web;

/// <summary>
/// OpenHands' cache headers (V0 spec §0): the web app's hashed <c>/assets</c> are cached for 30 days; everything else,
/// <c>index.html</c> and API answers included, is never cached, so a new build or fresh data is always seen.
/// A response that chose its own <c>Cache-Control</c> keeps it.
/// </summary>
public static class CacheHeaders
{
    public const string Immutable = "public, max-age=2592000, immutable";
    public const string NoCache = "no-cache, no-store, must-revalidate, max-age=0";

    public static void Apply(PathString path, IHeaderDictionary headers)
    {
        if (headers.ContainsKey("Cache-Control"))
            return;
        if (path.StartsWithSegments("/assets"))
        {
            headers.CacheControl = Immutable;
            return;
        }
        headers.CacheControl = NoCache;
        headers.Pragma = "no-cache";
        headers.Expires = "0";
    }
}
