using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deckhand.Engine.Isolation;

/// <summary>Chooses the server's shell isolation once, at start, and says which one is active in the log.</summary>
public static partial class ShellIsolation
{
    private static readonly string[] BwrapCandidates = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"];

    /// <summary>
    /// Bubblewrap when <paramref name="options"/> asks for it (or for Auto) and a probe sandbox runs here; otherwise
    /// <see cref="NoIsolation"/> with a warning.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Bubblewrap does not work here and was asked for explicitly, or implicitly by asking for no network or for limits.
    /// </exception>
    public static IShellIsolation Create(IsolationOptions options, string dataDir, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        if (options.Mode == IsolationMode.None)
        {
            LogOffByChoice(logger);
            return new NoIsolation();
        }

        var (isolation, problem) = TryBubblewrap(options, dataDir);
        if (isolation is not null)
        {
            LogBubblewrap(logger, options.Network ? "on" : "off",
                options.MemoryLimitMb is { } mb ? $"{mb} MiB per process" : "unlimited",
                options.MaxProcesses is { } max ? $"{max} ({(isolation.UsesPidsCgroup ? "pids cgroup" : "RLIMIT_NPROC")})" : "unlimited");
            if (options.MaxProcesses is not null && !isolation.UsesPidsCgroup && Environment.IsPrivilegedProcess)
                LogProcessLimitNotEnforced(logger);
            return isolation;
        }
        // Asking for no network or for limits is asking for the sandbox: quietly running without it would be worse than not starting.
        if (options.Mode == IsolationMode.Bubblewrap || !options.Network || options.MemoryLimitMb is not null || options.MaxProcesses is not null)
            throw new InvalidOperationException($"shell isolation with bubblewrap was requested but {problem} Install it (Debian/Ubuntu: apt-get install bubblewrap) or choose --isolation none without --no-network and shell limits.");
        LogOffMissing(logger, problem);
        return new NoIsolation();
    }

    private static (BubblewrapIsolation? Isolation, string Problem) TryBubblewrap(IsolationOptions options, string dataDir)
    {
        var bwrap = BwrapCandidates.FirstOrDefault(File.Exists);
        if (bwrap is null)
            return (null, "bubblewrap (bwrap) was not found.");
        if ((options.MemoryLimitMb is not null || options.MaxProcesses is not null) && !File.Exists(BubblewrapIsolation.PrlimitPath))
            return (null, $"limits need {BubblewrapIsolation.PrlimitPath} (util-linux), which was not found.");

        var cgroup = options.MaxProcesses is not null ? PidsCgroup.Find() : null;
        var error = Probe(new BubblewrapIsolation(bwrap, options, dataDir, cgroup));
        if (error is not null && cgroup is not null)
        {
            cgroup = null; // the cgroup could be made but not joined (cgroup v2 rules); fall back to RLIMIT_NPROC
            error = Probe(new BubblewrapIsolation(bwrap, options, dataDir, null));
        }
        return error is null
            ? (new BubblewrapIsolation(bwrap, options, dataDir, cgroup), "")
            : (null, $"bubblewrap does not work here ({error}).");
    }

    /// <summary>Runs <c>true</c> in a sandbox built exactly as shells will be; null when it works, else why not.</summary>
    private static string? Probe(BubblewrapIsolation isolation)
    {
        var workspace = Path.GetTempPath();
        var launch = isolation.Wrap(new ShellLaunch { FileName = "/bin/true", WorkingDirectory = workspace }, workspace);
        var start = new ProcessStartInfo(launch.FileName, launch.Arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                return "the probe did not finish within 10 s";
            }
            return process.ExitCode == 0 ? null : $"exit code {process.ExitCode}: {stderr.Result.Trim()}";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return ex.Message;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Shell isolation: bubblewrap (read-only system, writable workspace, private /tmp and HOME, data dir hidden; network {Network}; memory {Memory}; processes {Processes}).")]
    private static partial void LogBubblewrap(ILogger logger, string network, string memory, string processes);

    [LoggerMessage(2, LogLevel.Warning, "Shell isolation is off: {Problem} The agent's shell runs as the server's user with full access to that user's files and the network. Install bubblewrap to isolate it.")]
    private static partial void LogOffMissing(ILogger logger, string problem);

    [LoggerMessage(3, LogLevel.Warning, "Shell isolation is off (--isolation none): the agent's shell runs as the server's user with full access to that user's files and the network.")]
    private static partial void LogOffByChoice(ILogger logger);

    [LoggerMessage(4, LogLevel.Warning, "The shell process limit is not enforced: no writable pids cgroup, and RLIMIT_NPROC does not apply to root.")]
    private static partial void LogProcessLimitNotEnforced(ILogger logger);
}
