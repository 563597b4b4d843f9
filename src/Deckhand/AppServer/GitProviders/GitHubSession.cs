using System.Net;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.GitProviders;

/// <summary>The GitHub API as the current user's stored token reaches it, for one request.</summary>
public sealed class GitHubCall(GitProviderApi api, string baseUrl, string token, CancellationToken cancellationToken)
{
    public Task<GitProviderResponse> JsonAsync(string pathAndQuery) => api.GetJsonAsync(baseUrl, token, pathAndQuery, cancellationToken);

    public Task<string> RawAsync(string pathAndQuery) => api.GetRawAsync(baseUrl, token, pathAndQuery, cancellationToken);
}

/// <summary>
/// Runs an <c>/api/user</c> handler against GitHub with the user's stored token, and turns what can go wrong into
/// OpenHands' bare JSON-string errors: no token 401, another provider 400, GitHub's refusals passed on, anything
/// else from GitHub 500 (OpenHands' <c>UnknownException</c>).
/// </summary>
public sealed class GitHubSession(ProviderTokenRepository tokens, GitProviderApi api, CurrentUser user)
{
    public async Task<IResult> RunAsync(string? selectedProvider, string noTokenMessage, Func<GitHubCall, Task<IResult>> action,
        CancellationToken cancellationToken, bool requireGitHub = true)
    {
        var stored = await tokens.ListAsync(user.Id, cancellationToken);
        if (stored.Count == 0)
            return JsonString(HttpStatusCode.Unauthorized, noTokenMessage);
        if (!string.IsNullOrEmpty(selectedProvider) && selectedProvider != "github")
            return NotSupported(selectedProvider);
        var github = stored.FirstOrDefault(t => t.Provider == "github");
        if (github is null)
        {
            if (!requireGitHub)
                return await action(new GitHubCall(api, "", "", cancellationToken));
            return NotSupported(string.Join(", ", stored.Select(t => t.Provider)));
        }
        try
        {
            return await action(new GitHubCall(api, api.BaseUrl("github", github.Host), github.Token, cancellationToken));
        }
        catch (GitProviderException ex)
        {
            return ex.Status switch
            {
                HttpStatusCode.Unauthorized => JsonString(HttpStatusCode.Unauthorized,
                    "GitHub refused the stored token; add a valid one in the Git settings."),
                HttpStatusCode.Forbidden => JsonString(HttpStatusCode.Forbidden, "GitHub refused the request: " + ex.Message),
                HttpStatusCode.NotFound => JsonString(HttpStatusCode.NotFound, "Not found on GitHub: " + ex.Message),
                _ => JsonString(HttpStatusCode.InternalServerError, ex.Message),
            };
        }
    }

    public static IResult JsonString(HttpStatusCode status, string message) =>
        TypedResults.Json(message, DeckhandJson.Wire.String, statusCode: (int)status);

    private static IResult NotSupported(string provider) => JsonString(HttpStatusCode.BadRequest,
        $"Git provider {provider} is not supported yet by Deckhand's /api/user routes; only github is.");
}
