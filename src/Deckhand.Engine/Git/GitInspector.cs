using System.Diagnostics;
using System.Text;
using Deckhand.Contracts.Git;

namespace Deckhand.Engine.Git;

/// <summary>A git failure whose message is safe to return as a 400 <c>detail</c>.</summary>
public sealed class GitException(string message) : Exception(message);

/// <summary>
/// Changes and diffs of a working directory for <c>/api/git</c>, through the <c>git</c> CLI: no pager, no prompts,
/// unquoted paths, NUL-separated output and a timeout per call.
/// </summary>
public static class GitInspector
{
    public const string EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    public const long MaxDiffFileBytes = 10 * 1024 * 1024;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Changed files under <paramref name="dir"/> against the base (explicit <paramref name="gitRef"/>, else the fork
    /// point with the upstream, else HEAD, else the empty tree), plus untracked files; repositories directly below
    /// <paramref name="dir"/> are scanned too, their paths prefixed. Not a repository ⇒ empty. Sorted by path.
    /// </summary>
    public static async Task<List<GitChange>> ChangesAsync(string dir, string? gitRef, CancellationToken cancellationToken)
    {
        var changes = new List<GitChange>();
        if (!Directory.Exists(dir))
            return changes;
        if (await TopLevelAsync(dir, cancellationToken) is not null)
            changes.AddRange(await RepoChangesAsync(dir, gitRef, cancellationToken));
        foreach (var child in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            var marker = Path.Join(child, ".git");
            if (!Directory.Exists(marker) && !File.Exists(marker))
                continue;
            var prefix = Path.GetFileName(child) + "/";
            try
            {
                foreach (var change in await RepoChangesAsync(child, null, cancellationToken))
                    changes.Add(change with { Path = prefix + change.Path });
            }
            catch (GitException)
            {
                // A broken nested repository does not hide the changes of the others.
            }
        }
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    /// <summary>
    /// The file's content on both sides. With <paramref name="commit"/>: as that commit left it (modified) and as its
    /// parent had it (original). Otherwise the working copy (modified) and the base (original). Not in a repository ⇒
    /// both null.
    /// </summary>
    public static async Task<GitDiff> DiffAsync(string file, string? gitRef, string? commit, CancellationToken cancellationToken)
    {
        var dir = Path.GetDirectoryName(file);
        if (dir is null || !Directory.Exists(dir) || await TopLevelAsync(dir, cancellationToken) is not { } top)
            return new GitDiff(null, null);
        var relative = Path.GetRelativePath(top, file).Replace('\\', '/');
        if (relative.StartsWith("../", StringComparison.Ordinal) || relative == "..")
            return new GitDiff(null, null);
        if (commit is not null)
        {
            var sha = await VerifyAsync(top, commit, cancellationToken) ?? throw new GitException($"Unknown commit: {commit}");
            var parent = await VerifyAsync(top, sha + "^", cancellationToken);
            return new GitDiff(await ShowAsync(top, sha, relative, cancellationToken),
                parent is null ? null : await ShowAsync(top, parent, relative, cancellationToken));
        }
        var baseRev = await ResolveBaseAsync(top, gitRef, cancellationToken);
        string? modified = null;
        if (File.Exists(file))
        {
            if (new FileInfo(file).Length > MaxDiffFileBytes)
                throw new GitException($"File is too large to diff (over {MaxDiffFileBytes / (1024 * 1024)} MB).");
            modified = await File.ReadAllTextAsync(file, cancellationToken);
        }
        var original = baseRev == EmptyTree ? null : await ShowAsync(top, baseRev, relative, cancellationToken);
        return new GitDiff(modified, original);
    }

    private static async Task<List<GitChange>> RepoChangesAsync(string dir, string? gitRef, CancellationToken cancellationToken)
    {
        var baseRev = await ResolveBaseAsync(dir, gitRef, cancellationToken);
        var changes = new List<GitChange>();
        var diff = await RunAsync(dir, cancellationToken, "diff", "--name-status", "-z", "--relative", baseRev, "--");
        if (diff.ExitCode != 0)
            throw new GitException(diff.Error);
        var parts = diff.Output.Split('\0');
        for (var i = 0; i + 1 < parts.Length;)
        {
            var status = parts[i];
            if (status.Length == 0)
            {
                i++;
                continue;
            }
            switch (status[0])
            {
                case 'R' when i + 2 < parts.Length:
                    changes.Add(new GitChange(GitChangeStatus.Deleted, parts[i + 1]));
                    changes.Add(new GitChange(GitChangeStatus.Added, parts[i + 2]));
                    i += 3;
                    break;
                case 'C' when i + 2 < parts.Length:
                    changes.Add(new GitChange(GitChangeStatus.Added, parts[i + 2]));
                    i += 3;
                    break;
                default:
                    changes.Add(new GitChange(status[0] switch
                    {
                        'A' => GitChangeStatus.Added,
                        'D' => GitChangeStatus.Deleted,
                        _ => GitChangeStatus.Updated, // M, U, T
                    }, parts[i + 1]));
                    i += 2;
                    break;
            }
        }
        var untracked = await RunAsync(dir, cancellationToken, "ls-files", "--others", "--exclude-standard", "-z");
        if (untracked.ExitCode != 0)
            throw new GitException(untracked.Error);
        foreach (var path in untracked.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!path.EndsWith('/')) // a nested repository, scanned on its own
                changes.Add(new GitChange(GitChangeStatus.Added, path));
        }
        return changes;
    }

    private static async Task<string> ResolveBaseAsync(string dir, string? gitRef, CancellationToken cancellationToken)
    {
        if (gitRef is not null)
        {
            if (gitRef.Length == 0 || gitRef.StartsWith('-'))
                throw new GitException($"Invalid ref: '{gitRef}'.");
            return await VerifyAsync(dir, gitRef, cancellationToken)
                ?? (gitRef == "HEAD" ? EmptyTree : throw new GitException($"Unknown ref: {gitRef}"));
        }
        foreach (var upstream in new[] { "@{upstream}", "refs/remotes/origin/HEAD" })
        {
            var forkPoint = await RunAsync(dir, cancellationToken, "merge-base", "HEAD", upstream);
            if (forkPoint.ExitCode == 0 && forkPoint.Output.Trim() is { Length: > 0 } sha)
                return sha;
        }
        return await VerifyAsync(dir, "HEAD", cancellationToken) ?? EmptyTree;
    }

    private static async Task<string?> VerifyAsync(string dir, string rev, CancellationToken cancellationToken)
    {
        var result = await RunAsync(dir, cancellationToken, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}");
        return result.ExitCode == 0 ? result.Output.Trim() : null;
    }

    private static async Task<string?> ShowAsync(string top, string rev, string relative, CancellationToken cancellationToken)
    {
        var result = await RunAsync(top, cancellationToken, "show", $"{rev}:{relative}");
        return result.ExitCode == 0 ? result.Output : null;
    }

    /// <summary>The repository's top level, or null when <paramref name="dir"/> is not in one.</summary>
    private static async Task<string?> TopLevelAsync(string dir, CancellationToken cancellationToken)
    {
        var result = await RunAsync(dir, cancellationToken, "rev-parse", "--show-toplevel");
        if (result.ExitCode == 0)
            return result.Output.TrimEnd('\n');
        if (result.Error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
            return null;
        throw new GitException(result.Error);
    }

    private sealed record GitResult(int ExitCode, string Output, string Error);

    private static async Task<GitResult> RunAsync(string cwd, CancellationToken cancellationToken, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in (string[])["-c", "core.quotepath=off", "--no-pager", .. args])
            info.ArgumentList.Add(arg);
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["GIT_PAGER"] = "cat";
        info.Environment["PAGER"] = "cat";
        info.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        info.Environment["LC_ALL"] = "C";
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GitException($"git could not be started: {ex.Message}");
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return new GitResult(process.ExitCode, await output, (await error).Trim());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new GitException($"git {args[0]} timed out after {CallTimeout.TotalSeconds:0} s.");
        }
    }
}
