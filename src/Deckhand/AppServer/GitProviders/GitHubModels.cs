using System.Text.Json;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.GitProviders;

/// <summary>GitHub REST answers in the shapes of the <c>/api/user</c> routes (V0 spec §1.7 models).</summary>
public static class GitHubModels
{
    public static GitUser User(JsonElement user) => new(
        Text(user, "id") ?? "",
        Text(user, "login") ?? "",
        Text(user, "avatar_url") ?? "",
        Text(user, "company"),
        Text(user, "name"),
        Text(user, "email"));

    /// <summary>The first repository carries the page's <c>Link</c> header: the web app reads <c>rel="next"</c> from it.</summary>
    public static List<GitRepository> Repositories(IEnumerable<JsonElement> items, string? link) =>
        items.Select((repo, i) => Repository(repo, i == 0 ? link : null)).ToList();

    public static GitRepository Repository(JsonElement repo, string? link)
    {
        var ownerType = repo.TryGetProperty("owner", out var owner) && Text(owner, "type") is { } type
            ? (type == "Organization" ? "organization" : "user")
            : null;
        return new GitRepository(
            Text(repo, "id") ?? "",
            Text(repo, "full_name") ?? "",
            "github",
            !(repo.TryGetProperty("private", out var isPrivate) && isPrivate.ValueKind == JsonValueKind.True),
            repo.TryGetProperty("stargazers_count", out var stars) && stars.TryGetInt32(out var count) ? count : null,
            link,
            Text(repo, "pushed_at"),
            ownerType,
            Text(repo, "default_branch"));
    }

    public static GitBranch Branch(JsonElement branch) => new(
        Text(branch, "name") ?? "",
        branch.TryGetProperty("commit", out var commit) ? Text(commit, "sha") ?? "" : "",
        branch.TryGetProperty("protected", out var isProtected) && isProtected.ValueKind == JsonValueKind.True,
        null); // GitHub's branch list has no dates

    public static IEnumerable<JsonElement> Array(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    public static bool HasNext(string? link) => link is not null && link.Contains("rel=\"next\"", StringComparison.Ordinal);

    public static string? Text(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var field) ? field.ValueKind switch
        {
            JsonValueKind.String => field.GetString(),
            JsonValueKind.Number => field.GetRawText(),
            _ => null,
        } : null;
}
