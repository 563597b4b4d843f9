namespace Deckhand.AppServer.Web;

/// <summary>
/// Which browser origins may call the API cross-origin (V0 spec §0): any <c>localhost</c> or <c>127.0.0.1</c> origin on
/// any port, as OpenHands allows, plus the configured ones.
/// </summary>
public static class CorsOrigins
{
    public const string EnvironmentVariable = "PERMITTED_CORS_ORIGINS";

    public static bool IsAllowed(string origin, IReadOnlyList<string> configured)
    {
        if (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.Host is "localhost" or "127.0.0.1")
            return true;
        var wanted = origin.TrimEnd('/');
        return configured.Any(allowed => string.Equals(allowed.Trim().TrimEnd('/'), wanted, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A comma-separated list (the environment variable's format) as origins.</summary>
    public static IReadOnlyList<string> Parse(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
