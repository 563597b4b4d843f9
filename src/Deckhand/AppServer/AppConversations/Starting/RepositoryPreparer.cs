using System.Security.Cryptography;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>The folder a conversation works in, and the provider token used for it (if any).</summary>
public sealed record PreparedRepository(string ProjectDir, GitToken? Token);

/// <summary>
/// <c>PREPARING_REPOSITORY</c> (V1 spec §5.3): clones <c>selected_repository</c> into the sandbox's workspace (or, with
/// no repository, makes the workspace a git repository), checks out <c>selected_branch</c> or a fresh work branch,
/// and sets the user's git identity in that repository. Runs the git CLI where the workspace is: for the
/// <c>process</c> provider, on this host. A failure throws <see cref="StartStepException"/> with a readable cause.
/// </summary>
public sealed partial class RepositoryPreparer(GitCli git, GitTokens tokens, AppServerOptions options, ILogger<RepositoryPreparer> logger)
{
    public const string WorkBranchPrefix = "openhands-workspace-";
    private static readonly TimeSpan LocalTimeout = TimeSpan.FromSeconds(30);

    public async Task<PreparedRepository> PrepareAsync(string? userId, AppConversationStartRequest request, UserSettings settings, string workspace,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workspace);
        if (string.IsNullOrWhiteSpace(request.SelectedRepository))
        {
            if (!Directory.Exists(Path.Combine(workspace, ".git")))
                await RunAsync(workspace, ["init", "-q"], LocalTimeout, null, "Could not initialise a git repository in the workspace", cancellationToken);
            await SetIdentityAsync(workspace, settings, cancellationToken);
            return new PreparedRepository(workspace, null);
        }

        var repository = RepositoryReference.Parse(request.SelectedRepository, request.GitProvider, options.GitProviderUrls, out var problem)
            ?? throw new StartStepException(problem!);
        GitToken? token = null;
        if (repository.Kind == RepositoryKind.Provider)
            token = await tokens.FindAsync(userId, request.GitProvider ?? "github", cancellationToken);
        if (repository.Kind == RepositoryKind.LocalPath && !Directory.Exists(repository.Source))
            throw new StartStepException($"Repository {repository.Display} not found: no such directory on this host.");

        var project = Path.Combine(workspace, repository.DirectoryName);
        if (Directory.Exists(project) && Directory.EnumerateFileSystemEntries(project).Any())
        {
            if (!Directory.Exists(Path.Combine(project, ".git")))
                throw new StartStepException($"The workspace already has a folder '{repository.DirectoryName}' that is not a git repository.");
            LogReused(logger, repository.Display, project);
        }
        else
        {
            LogCloning(logger, repository.Display, project);
            var cloned = await git.RunAsync(workspace, ["clone", "--", repository.Source, repository.DirectoryName], options.GitCloneTimeout,
                token?.Credential ?? repository.EmbeddedCredential, cancellationToken);
            if (!cloned.Ok)
            {
                var hint = repository.Kind == RepositoryKind.Provider && token is null
                    ? $" (no {GitTokens.SecretName(request.GitProvider ?? "github")} secret or provider token is set for private repositories)"
                    : "";
                throw new StartStepException(cloned.TimedOut
                    ? $"Cloning {repository.Display} timed out after {options.GitCloneTimeout.TotalSeconds:0} s."
                    : $"Could not clone {repository.Display}: {cloned.LastLine}{hint}");
            }
        }

        if (!string.IsNullOrEmpty(request.SelectedBranch))
        {
            var branch = request.SelectedBranch;
            if (branch.StartsWith('-') || !(await git.RunAsync(project, ["check-ref-format", "--branch", branch], LocalTimeout, null, cancellationToken)).Ok)
                throw new StartStepException($"'{branch}' is not a valid branch name.");
            var checkout = await git.RunAsync(project, ["checkout", "-q", branch, "--"], LocalTimeout, null, cancellationToken);
            if (!checkout.Ok)
                throw new StartStepException($"Branch '{branch}' does not exist in {repository.Display}: {checkout.LastLine}");
        }
        else
        {
            var work = WorkBranchPrefix + Base62.Encode(RandomNumberGenerator.GetBytes(16));
            await RunAsync(project, ["checkout", "-q", "-b", work], LocalTimeout, null, $"Could not create the work branch {work}", cancellationToken);
        }
        await SetIdentityAsync(project, settings, cancellationToken);
        return new PreparedRepository(project, token);
    }

    private async Task SetIdentityAsync(string repository, UserSettings settings, CancellationToken cancellationToken)
    {
        // In the repository, not --global: on the process provider the global config is this host user's own.
        if (!string.IsNullOrWhiteSpace(settings.GitUserName))
            await RunAsync(repository, ["config", "user.name", settings.GitUserName], LocalTimeout, null, "Could not set the git user name", cancellationToken);
        if (!string.IsNullOrWhiteSpace(settings.GitUserEmail))
            await RunAsync(repository, ["config", "user.email", settings.GitUserEmail], LocalTimeout, null, "Could not set the git user email", cancellationToken);
    }

    private async Task RunAsync(string dir, IReadOnlyList<string> args, TimeSpan timeout, GitCredential? credential, string failure,
        CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(dir, args, timeout, credential, cancellationToken);
        if (!result.Ok)
            throw new StartStepException($"{failure}: {result.LastLine}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cloning {Repository} into {Directory}")]
    private static partial void LogCloning(ILogger logger, string repository, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reusing the clone of {Repository} in {Directory}")]
    private static partial void LogReused(ILogger logger, string repository, string directory);
}

/// <summary>A start-flow step failed for a reason the user can act on; the message is the task's detail (never a secret).</summary>
public sealed class StartStepException(string message, Exception? inner = null) : Exception(message, inner);
