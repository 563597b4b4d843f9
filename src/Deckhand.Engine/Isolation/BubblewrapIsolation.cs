using Deckhand.Engine.Files;
using System.Globalization;

namespace Deckhand.Engine.Isolation;

/// <summary>
/// Runs the shell inside bubblewrap: the whole system read-only, the workspace writable at its own path, private
/// /tmp (tmpfs, gone when the shell ends), HOME empty and read-only, /home, /root, /run and the server's data dir hidden, its own pid
/// namespace, optionally no network, and limits on memory and process count. Built by <see cref="ShellIsolation.Create"/>.
/// </summary>
/// <remarks>
/// Deliberately without <c>--new-session</c>: it calls setsid() so the shell has no controlling terminal, which turns
/// off job control and makes C-c on the pty reach nobody. The terminal gives every shell its own pty and session, so
/// the TIOCSTI injection <c>--new-session</c> guards against can only type into the shell's own terminal. A caller
/// that spawns a wrapped launch without a pty must start it in a new session itself.
/// </remarks>
internal sealed class BubblewrapIsolation(string bwrapPath, IsolationOptions options, string dataDir, PidsCgroup? pidsCgroup)
    : IShellIsolation
{
    /// <summary>Where a prlimit wrapper comes from (util-linux); it runs inside the sandbox, which sees the real /usr.</summary>
    internal const string PrlimitPath = "/usr/bin/prlimit";

    /// <summary>Hidden behind an empty tmpfs: other users' homes, sockets of system services (a docker.sock is a way out).</summary>
    private static readonly string[] HiddenSystemDirs = ["/tmp", "/home", "/root", "/run"];

    private static readonly (string Name, string Value)[] WritableElsewhere =
    [
        ("XDG_CACHE_HOME", "/tmp/.cache"), ("XDG_CONFIG_HOME", "/tmp/.config"), ("XDG_DATA_HOME", "/tmp/.local/share"),
        ("XDG_STATE_HOME", "/tmp/.local/state"), ("PIP_CACHE_DIR", "/tmp/.cache/pip"), ("npm_config_cache", "/tmp/.npm"),
    ];

    public string Name => "bubblewrap";

    public IsolationOptions Options => options;

    /// <summary>True when the process limit is a pids cgroup rather than RLIMIT_NPROC.</summary>
    public bool UsesPidsCgroup => pidsCgroup is not null && options.MaxProcesses is not null;

    public ShellLaunch Wrap(ShellLaunch plain, string workspace)
    {
        var procsFile = options.MaxProcesses is { } max ? pidsCgroup?.Create(max) : null;
        var work = RealPath.Of(workspace);
        var home = RealPath.Of(plain.Environment.GetValueOrDefault("HOME") ?? Environment.GetEnvironmentVariable("HOME") ?? "/root");

        var args = new List<string> { "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc" };
        args.AddRange(Mounts(work, home, plain.ReadOnlyPaths));
        args.AddRange(["--unshare-pid", "--unshare-ipc", "--die-with-parent"]);
        if (!options.Network)
            args.Add("--unshare-net");
        args.Add("--clearenv");
        foreach (var (name, value) in plain.Environment)
        {
            if (name != "HOME")
                args.AddRange(["--setenv", name, value]);
        }
        // HOME is read-only (nothing outside the workspace is writable but the private /tmp), so caches and
        // per-user config that tools expect to write go to /tmp unless the launch chose otherwise.
        foreach (var (name, value) in WritableElsewhere)
        {
            if (!plain.Environment.ContainsKey(name))
                args.AddRange(["--setenv", name, value]);
        }
        args.AddRange(["--setenv", "HOME", home, "--chdir", work, "--"]);
        args.AddRange(Limits(nprocByRlimit: procsFile is null));
        args.Add(plain.FileName);
        args.AddRange(plain.Arguments);

        // The cgroup has to be joined outside the sandbox (its /sys is read-only): a tiny sh joins it, then becomes bwrap.
        if (procsFile is not null)
            return new ShellLaunch
            {
                FileName = "/bin/sh",
                Arguments = ["-c", "echo $$ > \"$1\" && shift && exec \"$@\"", "deckhand-shell", procsFile, bwrapPath, .. args],
                Environment = plain.Environment,
                WorkingDirectory = work,
            };
        return new ShellLaunch { FileName = bwrapPath, Arguments = args, Environment = plain.Environment, WorkingDirectory = work };
    }

    /// <summary>
    /// Mounts ordered parent before child, so whichever way the paths nest (a workspace under /tmp or HOME, a data dir
    /// inside the workspace) the deeper mount wins. Only existing paths: bwrap cannot create mount points on the
    /// read-only root.
    /// </summary>
    private IEnumerable<string> Mounts(string work, string home, IReadOnlyList<string> readOnly)
    {
        var mounts = new List<(string Path, string[] Args)>();
        var hidden = HiddenSystemDirs.Append(home).Append(RealPath.Of(dataDir)).Distinct()
            .Where(dir => dir != "/" && Directory.Exists(dir)).ToList();
        foreach (var dir in hidden)
            mounts.Add((dir, ["--tmpfs", dir]));
        mounts.Add((work, ["--bind", work, work]));
        // E.g. the conversation's saved terminal output, inside the otherwise hidden data dir.
        foreach (var path in readOnly.Where(Directory.Exists).Select(RealPath.Of))
            mounts.Add((path, ["--ro-bind", path, path]));
        // Name resolution must survive hiding /run when /etc/resolv.conf points into it (systemd-resolved).
        if (RealPath.Of("/etc/resolv.conf") is var resolv && resolv.StartsWith("/run/", StringComparison.Ordinal) && File.Exists(resolv))
            mounts.Add((resolv, ["--ro-bind", resolv, resolv]));
        // Hidden dirs become read-only last, after bwrap has created the mount points nested in them; only /tmp
        // stays writable. So `touch ~/x` fails rather than writing somewhere it should not.
        // (Not the workspace itself, if it is one of them: the remount would hit its writable bind.)
        var readOnlyAfter = hidden.Where(dir => dir != "/tmp" && dir != work).SelectMany(dir => new[] { "--remount-ro", dir });
        return mounts.OrderBy(m => m.Path.Count(c => c == '/')).SelectMany(m => m.Args).Concat(readOnlyAfter);
    }

    /// <summary>
    /// Memory is RLIMIT_AS (address space per process: a cap on what one process can take, not on the shell's total);
    /// processes fall back to RLIMIT_NPROC when no pids cgroup is writable (it counts every process of the user, and the
    /// kernel does not apply it to root).
    /// </summary>
    private List<string> Limits(bool nprocByRlimit)
    {
        var limits = new List<string>();
        if (options.MemoryLimitMb is { } mb)
            limits.Add("--as=" + ((long)mb * 1024 * 1024).ToString(CultureInfo.InvariantCulture));
        if (options.MaxProcesses is { } max && nprocByRlimit)
            limits.Add("--nproc=" + max.ToString(CultureInfo.InvariantCulture));
        return limits.Count == 0 ? limits : [PrlimitPath, .. limits, "--"];
    }
}
