using Deckhand.Client;
using Deckhand.Contracts.Bash;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>
/// The repository's own start-up conventions (V1 spec §5.4): <c>.openhands/setup.sh</c>, run in the sandbox through its
/// agent-server's bash API (so it runs with the sandbox's environment, never the app server's, and its output stays
/// in the sandbox's bash event log), and <c>.openhands/pre-commit.sh</c>, installed behind a <c>pre-commit</c> hook
/// that keeps any hook the repository already had.
/// </summary>
public sealed partial class WorkspaceScripts(AppServerOptions options, ILogger<WorkspaceScripts> logger)
{
    public const string SetupScript = ".openhands/setup.sh";
    public const string PreCommitScript = ".openhands/pre-commit.sh";

    /// <summary>OpenHands recognises its own hook by this text; a hook without it is kept as <c>pre-commit.local</c>.</summary>
    public const string HookMarker = "This hook was installed by OpenHands";

    private const string Hook = $$"""
        #!/bin/bash
        # {{HookMarker}} (through Deckhand). It runs the repository's .openhands/pre-commit.sh;
        # a hook that was here before is kept as pre-commit.local and runs first.
        hooks_dir="$(cd "$(dirname "$0")" && pwd)"
        if [ -x "$hooks_dir/pre-commit.local" ]; then
          "$hooks_dir/pre-commit.local" "$@" || exit $?
        fi
        script="$(git rev-parse --show-toplevel)/.openhands/pre-commit.sh"
        if [ -x "$script" ]; then
          source "$script"
          exit $?
        fi
        echo "Deckhand: $script is missing or not executable; commit checks skipped." >&2
        exit 0

        """;

    /// <summary>
    /// Runs <c>.openhands/setup.sh</c> when the project has one; returns the bash command id (its output is at
    /// <c>/api/bash/bash_events/search?command_id__eq=</c> on the sandbox's agent-server), or null without a script. A
    /// failing or timed-out script is logged, not fatal (as in OpenHands): the agent can still work and see why.
    /// </summary>
    public async Task<string?> RunSetupScriptAsync(AgentServerClient agent, string projectDir, CancellationToken cancellationToken)
    {
        if (!InProject(projectDir, SetupScript))
            return null;
        var timeout = Math.Max(1, (int)Math.Ceiling(options.SetupScriptTimeout.TotalSeconds));
        // The agent-server kills the script at the timeout; the HTTP wait gets a margin on top.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeout + 30));
        BashOutput result;
        try
        {
            result = await agent.ExecuteBashAsync(new ExecuteBashRequest
            {
                Command = $"chmod +x {SetupScript} && source {SetupScript}",
                Cwd = projectDir,
                Timeout = timeout,
            }, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StartStepException($"The sandbox did not report the end of {SetupScript} within {timeout + 30} s.");
        }
        if (result.ExitCode != 0)
            LogSetupFailed(logger, projectDir, result.ExitCode ?? -1, result.CommandId);
        return result.CommandId;
    }

    /// <summary>Installs the pre-commit wrapper when the project has <c>.openhands/pre-commit.sh</c>; false when there is none.</summary>
    public bool InstallGitHooks(string projectDir)
    {
        var script = Path.Combine(projectDir, PreCommitScript);
        var gitDir = Path.Combine(projectDir, ".git");
        if (!InProject(projectDir, PreCommitScript) || !Directory.Exists(gitDir))
            return false;
        MakeExecutable(script);
        var hooks = Path.Combine(gitDir, "hooks");
        Directory.CreateDirectory(hooks);
        var hook = Path.Combine(hooks, "pre-commit");
        if (File.Exists(hook) && !File.ReadAllText(hook).Contains(HookMarker, StringComparison.Ordinal))
        {
            var local = Path.Combine(hooks, "pre-commit.local");
            File.Move(hook, local, overwrite: true);
            MakeExecutable(local);
        }
        File.WriteAllText(hook, Hook.ReplaceLineEndings("\n"));
        MakeExecutable(hook);
        return true;
    }

    /// <summary>The file exists and is really in the project: a symlink out of it (chmod follows links) does not count.</summary>
    private static bool InProject(string projectDir, string relative)
    {
        var file = new FileInfo(Path.Combine(projectDir, relative));
        if (!file.Exists)
            return false;
        var target = file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectDir)) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(target).StartsWith(root, StringComparison.Ordinal);
    }

    private static void MakeExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The setup script of {ProjectDir} ended with exit code {ExitCode} (bash command {CommandId})")]
    private static partial void LogSetupFailed(ILogger logger, string projectDir, int exitCode, string commandId);
}
