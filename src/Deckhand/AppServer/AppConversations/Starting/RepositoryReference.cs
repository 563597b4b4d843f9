using System.Text.RegularExpressions;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>What <c>selected_repository</c> names.</summary>
public enum RepositoryKind
{
    /// <summary>A git repository on this host (an absolute path, or <c>file://</c>).</summary>
    LocalPath,
    /// <summary>A clone URL (<c>https://</c>, <c>ssh://</c>, <c>git@host:path</c>...), cloned as given.</summary>
    Url,
    /// <summary><c>owner/repo</c> on a git provider, cloned over HTTPS with the user's token for that provider.</summary>
    Provider,
}

/// <summary>
/// A parsed <c>selected_repository</c>: where to clone from, the folder it lands in, and a form safe to show in logs
/// and task details. Credentials written into an http(s) URL are taken out of it (<see cref="EmbeddedCredential"/>) so
/// they reach git through askpass instead of its command line and the clone's remote.
/// </summary>
public sealed partial record RepositoryReference(RepositoryKind Kind, string Source, string DirectoryName, string Display)
{
    public GitCredential? EmbeddedCredential { get; init; }

    /// <summary>Characters OpenHands refuses in a repository name (they would matter to a shell).</summary>
    private static readonly char[] Forbidden = [';', '&', '|', '$', '`', '\n', '\r', '\0'];

    /// <summary>Parses <paramref name="value"/>; null with <paramref name="problem"/> when it cannot name a repository.</summary>
    public static RepositoryReference? Parse(string value, string? gitProvider, IReadOnlyDictionary<string, string> providerUrls, out string? problem)
    {
        problem = null;
        var text = value.Trim();
        if (text.Length == 0)
        {
            problem = "selected_repository is empty.";
            return null;
        }
        if (text.IndexOfAny(Forbidden) >= 0 || text.StartsWith('-'))
        {
            problem = "selected_repository contains characters a repository name cannot have.";
            return null;
        }
        if (text.StartsWith('/') || text.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            var path = text.StartsWith('/') ? text : new Uri(text).LocalPath;
            return new RepositoryReference(RepositoryKind.LocalPath, Path.TrimEndingDirectorySeparator(path), FolderName(path), path);
        }
        if (text.Contains("://", StringComparison.Ordinal) || ScpLike().IsMatch(text))
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length > 0)
            {
                var parts = uri.UserInfo.Split(':', 2);
                var bare = new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString();
                return new RepositoryReference(RepositoryKind.Url, bare, FolderName(bare), bare)
                {
                    EmbeddedCredential = new GitCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : ""),
                };
            }
            return new RepositoryReference(RepositoryKind.Url, text, FolderName(text), MaskCredentials(text));
        }
        if (!OwnerRepo().IsMatch(text) || text.Split('/').Any(part => part is "." or ".."))
        {
            problem = $"selected_repository '{text}' is not owner/repo, a git URL or an absolute path.";
            return null;
        }
        var provider = gitProvider ?? "github";
        if (!providerUrls.TryGetValue(provider, out var baseUrl))
        {
            problem = $"No clone URL is known for git provider '{provider}'.";
            return null;
        }
        var url = $"{baseUrl.TrimEnd('/')}/{text}{(text.EndsWith(".git", StringComparison.Ordinal) ? "" : ".git")}";
        return new RepositoryReference(RepositoryKind.Provider, url, FolderName(text), text);
    }

    /// <summary>Replaces the user-info part of every URL in <paramref name="text"/> (<c>https://user:token@host</c>).</summary>
    public static string MaskCredentials(string text) => UrlCredentials().Replace(text, "://****@");

    /// <summary>The folder <c>git clone</c> would choose: the last path segment without <c>.git</c>.</summary>
    private static string FolderName(string source)
    {
        var trimmed = source.TrimEnd('/');
        var last = trimmed[(trimmed.LastIndexOfAny(['/', ':']) + 1)..];
        if (last.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
            last = last[..^4];
        return last is "" or "." or ".." ? "repository" : last;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+$")]
    private static partial Regex OwnerRepo();

    // user@host:path, as scp and git write SSH remotes.
    [GeneratedRegex(@"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:")]
    private static partial Regex ScpLike();

    [GeneratedRegex(@"://[^/@\s]+@")]
    private static partial Regex UrlCredentials();
}
