using System.Net;
using System.Text.RegularExpressions;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using static Deckhand.AppServer.GitProviders.GitHubModels;

namespace Deckhand.AppServer.GitProviders;

/// <summary>
/// <c>/api/user/*</c> (V0 spec §1.7): the signed-in git account, its repositories and branches, and a repository's
/// microagents, read from GitHub with the stored provider token. Errors are bare JSON strings as in OpenHands; no token
/// is a 401. GitHub only so far: other providers get a 400 saying so.
/// </summary>
public static partial class UserGitEndpoints
{
    private const string NoToken = "Git provider token required. (such as GitHub).";

    public static IEndpointRouteBuilder MapUserGit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/user").WithTags("Git providers");
        group.MapGet("/info", InfoAsync).Produces<GitUser>();
        group.MapGet("/repositories", RepositoriesAsync).Produces<List<GitRepository>>();
        group.MapGet("/search/repositories", SearchRepositoriesAsync).Produces<List<GitRepository>>();
        group.MapGet("/search/branches", SearchBranchesAsync).Produces<List<GitBranch>>();
        group.MapGet("/repository/branches", BranchesAsync).Produces<GitBranchPage>();
        group.MapGet("/installations", InstallationsAsync).Produces<List<string>>();
        group.MapGet("/suggested-tasks", SuggestedTasksAsync).Produces<List<string>>();
        group.MapGet("/repository/{**rest}", RepositoryMicroagentsAsync);
        return app;
    }

    private static Task<IResult> InfoAsync(GitHubSession github, CancellationToken cancellationToken) =>
        github.RunAsync(null, NoToken, async call =>
            TypedResults.Json(User((await call.JsonAsync("/user")).Body), DeckhandJson.Wire.GitUser), cancellationToken);

    private static Task<IResult> RepositoriesAsync(GitHubSession github, string? sort, string? selected_provider, string? page, string? per_page,
        string? installation_id, CancellationToken cancellationToken)
    {
        if (!TryPaging(page, per_page, 30, out var pageNumber, out var perPage, out var invalid))
            return Task.FromResult(invalid!);
        var order = sort is "created" or "updated" or "pushed" or "full_name" ? sort : "pushed";
        return github.RunAsync(selected_provider, NoToken, async call =>
        {
            if (installation_id is { Length: > 0 })
            {
                if (!long.TryParse(installation_id, out var installation))
                    return ApiErrors.Invalid("query.installation_id", "installation_id must be a number.", "int_parsing");
                var listed = await call.JsonAsync($"/user/installations/{installation}/repositories?page={pageNumber}&per_page={perPage}");
                var items = listed.Body.TryGetProperty("repositories", out var repositories) ? Array(repositories) : [];
                return TypedResults.Json(Repositories(items, listed.Link), DeckhandJson.Wire.ListGitRepository);
            }
            var answer = await call.JsonAsync($"/user/repos?sort={order}&page={pageNumber}&per_page={perPage}");
            return TypedResults.Json(Repositories(Array(answer.Body), answer.Link), DeckhandJson.Wire.ListGitRepository);
        }, cancellationToken);
    }

    private static Task<IResult> SearchRepositoriesAsync(GitHubSession github, string? query, string? per_page, string? sort, string? order,
        string? selected_provider, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(query))
            return Task.FromResult<IResult>(ApiErrors.Invalid("query.query", "Field required", "missing"));
        if (!TryPaging("1", per_page, 5, out _, out var perPage, out var invalid))
            return Task.FromResult(invalid!);
        var by = sort is "stars" or "forks" or "updated" or "help-wanted-issues" ? sort : "stars";
        var direction = order is "asc" ? "asc" : "desc";
        return github.RunAsync(selected_provider, NoToken, async call =>
        {
            var answer = await call.JsonAsync($"/search/repositories?q={Uri.EscapeDataString(query)}&per_page={perPage}&sort={by}&order={direction}");
            var items = answer.Body.TryGetProperty("items", out var found) ? Array(found) : [];
            return TypedResults.Json(Repositories(items, null), DeckhandJson.Wire.ListGitRepository);
        }, cancellationToken);
    }

    /// <summary>GitHub's REST API cannot search branches: the first 100 are read and filtered by name.</summary>
    private static Task<IResult> SearchBranchesAsync(GitHubSession github, string? repository, string? query, string? per_page,
        string? selected_provider, CancellationToken cancellationToken)
    {
        if (RepositoryProblem(repository) is { } problem)
            return Task.FromResult(problem);
        if (query is null)
            return Task.FromResult<IResult>(ApiErrors.Invalid("query.query", "Field required", "missing"));
        if (!TryPaging("1", per_page, 30, out _, out var perPage, out var invalid))
            return Task.FromResult(invalid!);
        return github.RunAsync(selected_provider, "Git provider token required.", async call =>
        {
            var answer = await call.JsonAsync($"/repos/{repository}/branches?per_page=100");
            var branches = Array(answer.Body).Select(Branch)
                .Where(b => b.Name.Contains(query, StringComparison.OrdinalIgnoreCase)).Take(perPage).ToList();
            return TypedResults.Json(branches, DeckhandJson.Wire.ListGitBranch);
        }, cancellationToken);
    }

    private static Task<IResult> BranchesAsync(GitHubSession github, string? repository, string? page, string? per_page,
        CancellationToken cancellationToken)
    {
        if (RepositoryProblem(repository) is { } problem)
            return Task.FromResult(problem);
        if (!TryPaging(page, per_page, 30, out var pageNumber, out var perPage, out var invalid))
            return Task.FromResult(invalid!);
        return github.RunAsync(null, NoToken, async call =>
        {
            var answer = await call.JsonAsync($"/repos/{repository}/branches?page={pageNumber}&per_page={perPage}");
            var branches = Array(answer.Body).Select(Branch).ToList();
            return TypedResults.Json(new GitBranchPage(branches, HasNext(answer.Link), pageNumber, perPage, null), DeckhandJson.Wire.GitBranchPage);
        }, cancellationToken);
    }

    /// <summary>GitHub App installations; a personal access token has none, which reads as an empty list.</summary>
    private static Task<IResult> InstallationsAsync(GitHubSession github, string? provider, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(provider))
            return Task.FromResult<IResult>(ApiErrors.Invalid("query.provider", "Field required", "missing"));
        if (provider != "github")
            return Task.FromResult(GitHubSession.JsonString(HttpStatusCode.BadRequest, $"Provider {provider} doesn't support installations"));
        return github.RunAsync(provider, NoToken, async call =>
        {
            try
            {
                var answer = await call.JsonAsync("/user/installations");
                var ids = answer.Body.TryGetProperty("installations", out var installations)
                    ? Array(installations).Select(i => Text(i, "id")).OfType<string>().ToList()
                    : [];
                return TypedResults.Json(ids, DeckhandJson.Wire.ListString);
            }
            catch (GitProviderException ex) when (ex.Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
            {
                return TypedResults.Json(new List<string>(), DeckhandJson.Wire.ListString);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Always empty for now: OpenHands builds these from GraphQL queries over the user's open PRs and issues, which Deckhand
    /// does not make yet. A token is still required, as in OpenHands.
    /// </summary>
    private static Task<IResult> SuggestedTasksAsync(GitHubSession github, CancellationToken cancellationToken) =>
        github.RunAsync(null, "No providers set.", _ => Task.FromResult<IResult>(TypedResults.Json(new List<string>(), DeckhandJson.Wire.ListString)),
            cancellationToken, requireGitHub: false);

    private static Task<IResult> RepositoryMicroagentsAsync(string rest, string? file_path, GitHubSession github, TimeProvider time,
        CancellationToken cancellationToken)
    {
        const string contentSuffix = "/microagents/content";
        const string listSuffix = "/microagents";
        if (rest.EndsWith(contentSuffix, StringComparison.Ordinal))
            return RepositoryMicroagents.ContentAsync(github, rest[..^contentSuffix.Length], file_path, cancellationToken);
        if (rest.EndsWith(listSuffix, StringComparison.Ordinal))
            return RepositoryMicroagents.ListAsync(github, rest[..^listSuffix.Length], time, cancellationToken);
        return Task.FromResult<IResult>(ApiErrors.NotFound());
    }

    /// <summary><c>owner/repo</c> with GitHub's name characters only, so it can go into an API path as it is.</summary>
    public static IResult? RepositoryProblem(string? repository)
    {
        if (string.IsNullOrEmpty(repository))
            return ApiErrors.Invalid("query.repository", "Field required", "missing");
        return RepositoryName().IsMatch(repository) && !repository.Split('/').Any(part => part is "." or "..")
            ? null
            : ApiErrors.Invalid("query.repository", "repository must be 'owner/repo'.");
    }

    private static bool TryPaging(string? page, string? perPage, int defaultPerPage, out int pageNumber, out int size, out IResult? error)
    {
        error = null;
        size = defaultPerPage;
        pageNumber = 1;
        if (page is { Length: > 0 } && !(int.TryParse(page, out pageNumber) && pageNumber >= 1))
            error = ApiErrors.Invalid("query.page", "page must be a whole number of at least 1.", "int_parsing");
        else if (perPage is { Length: > 0 } && !(int.TryParse(perPage, out size) && size is >= 1 and <= 100))
            error = ApiErrors.Invalid("query.per_page", "per_page must be a whole number from 1 to 100.", "int_parsing");
        return error is null;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    private static partial Regex RepositoryName();
}
