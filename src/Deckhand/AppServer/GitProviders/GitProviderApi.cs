using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Deckhand.AppServer.GitProviders;

/// <summary>The provider answered with an error status (or could not be reached: <see cref="Status"/> null).</summary>
public sealed class GitProviderException(HttpStatusCode? status, string message) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>One answer of a provider's REST API: the JSON body and the <c>Link</c> header (for paging).</summary>
public sealed record GitProviderResponse(JsonElement Body, string? Link);

/// <summary>
/// Calls a git provider's REST API with a user's token (GitHub and GitLab both take <c>Authorization: Bearer</c>). The
/// token only ever goes into that header; errors say which URL path failed and how, never the token.
/// </summary>
public sealed class GitProviderApi(HttpClient http, AppServerOptions options)
{
    /// <summary>The provider's public host: a token saved with this host (or none) uses the configured API URL.</summary>
    private static readonly IReadOnlyDictionary<string, string> PublicHosts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["github"] = "github.com",
        ["gitlab"] = "gitlab.com",
    };

    public static bool IsSupported(string provider) => PublicHosts.ContainsKey(provider);

    /// <summary>The API base URL for a token: the configured one, or the enterprise host's API when the token names another host.</summary>
    public string BaseUrl(string provider, string? host)
    {
        var configured = options.GitProviderApiUrls.TryGetValue(provider, out var url) ? url : throw new InvalidOperationException($"No API URL for {provider}.");
        if (string.IsNullOrWhiteSpace(host) || string.Equals(host.Trim(), PublicHosts[provider], StringComparison.OrdinalIgnoreCase))
            return configured.TrimEnd('/');
        var root = host.Contains("://", StringComparison.Ordinal) ? host.Trim().TrimEnd('/') : "https://" + host.Trim().TrimEnd('/');
        return provider == "github" ? root + "/api/v3" : root + "/api/v4";
    }

    public async Task<GitProviderResponse> GetJsonAsync(string baseUrl, string token, string pathAndQuery, CancellationToken cancellationToken)
    {
        var (text, link) = await GetAsync(baseUrl, token, pathAndQuery, "application/vnd.github+json", cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(text);
            return new GitProviderResponse(document.RootElement.Clone(), link);
        }
        catch (JsonException)
        {
            throw new GitProviderException(null, $"The provider's answer to {Path(pathAndQuery)} is not JSON.");
        }
    }

    /// <summary>A file's raw text (GitHub's raw media type).</summary>
    public async Task<string> GetRawAsync(string baseUrl, string token, string pathAndQuery, CancellationToken cancellationToken) =>
        (await GetAsync(baseUrl, token, pathAndQuery, "application/vnd.github.raw+json", cancellationToken)).Text;

    private async Task<(string Text, string? Link)> GetAsync(string baseUrl, string token, string pathAndQuery, string accept,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.UserAgent.ParseAdd("Deckhand");
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new GitProviderException(null, $"The git provider at {baseUrl} could not be reached: {ex.Message}");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new GitProviderException(response.StatusCode, $"The git provider answered {(int)response.StatusCode} to {Path(pathAndQuery)}.");
            var link = response.Headers.TryGetValues("Link", out var values) ? string.Join(", ", values) : null;
            return (text, link);
        }
    }

    private static string Path(string pathAndQuery) => pathAndQuery.Split('?', 2)[0];
}
