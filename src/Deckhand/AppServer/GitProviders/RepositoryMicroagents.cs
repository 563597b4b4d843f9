using System.Globalization;
using Deckhand.AgentServer.Http;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Skills;
using static Deckhand.AppServer.GitProviders.GitHubModels;

namespace Deckhand.AppServer.GitProviders;

/// <summary>
/// A repository's microagents as the web app's microagent management lists them: the <c>.md</c> files of
/// <c>.openhands/microagents/</c> (of <c>microagents/</c> in a repository named <c>.openhands</c> or <c>openhands-config</c>),
/// plus <c>.cursorrules</c>; and one file's text with its <c>triggers</c>.
/// </summary>
public static class RepositoryMicroagents
{
    public static Task<IResult> ListAsync(GitHubSession github, string repository, TimeProvider time, CancellationToken cancellationToken)
    {
        if (UserGitEndpoints.RepositoryProblem(repository) is { } problem)
            return Task.FromResult(problem);
        var name = repository.Split('/')[1];
        var folder = name is ".openhands" or "openhands-config" ? "microagents" : ".openhands/microagents";
        return github.RunAsync(null, "Git provider token required. (such as GitHub).", async call =>
        {
            var files = new List<(string Name, string Path)>();
            foreach (var entry in Array((await OptionalAsync(call, $"/repos/{repository}/contents/{folder}"))))
            {
                if (Text(entry, "type") == "file" && Text(entry, "name") is { } file && Text(entry, "path") is { } path
                    && file.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !file.Equals("README.md", StringComparison.OrdinalIgnoreCase))
                    files.Add((file[..^3], path));
            }
            if ((await OptionalAsync(call, $"/repos/{repository}/contents/.cursorrules")).ValueKind == System.Text.Json.JsonValueKind.Object)
                files.Add(("cursorrules", ".cursorrules"));
            var list = new List<RepositoryMicroagent>();
            foreach (var (file, path) in files)
                list.Add(new RepositoryMicroagent(file, path, await LastChangedAsync(call, repository, path, time)));
            return TypedResults.Json(list, DeckhandJson.Wire.ListRepositoryMicroagent);
        }, cancellationToken);
    }

    public static Task<IResult> ContentAsync(GitHubSession github, string repository, string? filePath, CancellationToken cancellationToken)
    {
        if (UserGitEndpoints.RepositoryProblem(repository) is { } problem)
            return Task.FromResult(problem);
        if (string.IsNullOrEmpty(filePath))
            return Task.FromResult<IResult>(ApiErrors.Invalid("query.file_path", "Field required", "missing"));
        if (filePath.StartsWith('/') || filePath.Contains('\\') || filePath.Split('/').Any(part => part is "" or "." or ".."))
            return Task.FromResult<IResult>(ApiErrors.Invalid("query.file_path", "file_path must be a relative path inside the repository."));
        return github.RunAsync(null, "Git provider token required. (such as GitHub).", async call =>
        {
            var path = string.Join('/', filePath.Split('/').Select(Uri.EscapeDataString));
            var text = await call.RawAsync($"/repos/{repository}/contents/{path}");
            return TypedResults.Json(new RepositoryMicroagentContent(text, filePath, Triggers(text), "github"),
                DeckhandJson.Wire.RepositoryMicroagentContent);
        }, cancellationToken);
    }

    /// <summary>The <c>triggers</c> list of the front matter; none when there is none or it does not parse.</summary>
    private static List<string> Triggers(string text)
    {
        try
        {
            var (meta, _) = FrontMatter.Split(text);
            return meta.TryGetValue("triggers", out var value) && value is List<object?> items
                ? items.OfType<string>().ToList()
                : value is string single ? [single] : [];
        }
        catch (SkillFormatException)
        {
            return [];
        }
    }

    /// <summary>A 404 reads as "not there": an empty answer.</summary>
    private static async Task<System.Text.Json.JsonElement> OptionalAsync(GitHubCall call, string path)
    {
        try
        {
            return (await call.JsonAsync(path)).Body;
        }
        catch (GitProviderException ex) when (ex.Status is System.Net.HttpStatusCode.NotFound)
        {
            return default;
        }
    }

    /// <summary>When the file last changed (its newest commit); now when GitHub does not say.</summary>
    private static async Task<string> LastChangedAsync(GitHubCall call, string repository, string path, TimeProvider time)
    {
        var commits = await OptionalAsync(call, $"/repos/{repository}/commits?path={Uri.EscapeDataString(path)}&per_page=1");
        var date = Array(commits).Select(c => c.TryGetProperty("commit", out var commit) && commit.TryGetProperty("committer", out var committer)
            ? Text(committer, "date") : null).FirstOrDefault();
        return date ?? time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
