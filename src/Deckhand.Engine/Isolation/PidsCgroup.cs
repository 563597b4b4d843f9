namespace Deckhand.Engine.Isolation;

/// <summary>
/// A pids cgroup per shell, below the server's own cgroup, where the server may write to it (cgroup v1 pids hierarchy,
/// or a delegated cgroup v2 subtree). Unlike RLIMIT_NPROC it counts only the shell's processes and also holds for root.
/// </summary>
internal sealed class PidsCgroup(string parent)
{
    private const string Prefix = "deckhand-shell-";

    public string Parent { get; } = parent;

    /// <summary>The directory under which this server may create pids cgroups, or null when there is none.</summary>
    public static PidsCgroup? Find()
    {
        try
        {
            foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
            {
                // "N:controllers:/path"; v2 is "0::/path".
                var parts = line.Split(':', 3);
                if (parts.Length != 3)
                    continue;
                var root = parts[1] switch
                {
                    var c when c.Split(',').Contains("pids") => "/sys/fs/cgroup/pids",
                    "" when File.Exists("/sys/fs/cgroup/cgroup.controllers") => "/sys/fs/cgroup",
                    _ => null,
                };
                if (root is null)
                    continue;
                var dir = root + parts[2].TrimEnd('/');
                if (Directory.Exists(dir) && TryCreate(new PidsCgroup(dir), 1) is { } probe)
                {
                    TryRemove(probe);
                    return new PidsCgroup(dir);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>Creates a fresh cgroup limited to <paramref name="maxProcesses"/>; returns its cgroup.procs file.</summary>
    public string? Create(int maxProcesses)
    {
        RemoveEmpty();
        return TryCreate(this, maxProcesses);
    }

    private static string? TryCreate(PidsCgroup cgroup, int maxProcesses)
    {
        var dir = Path.Combine(cgroup.Parent, Prefix + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "pids.max"), maxProcesses.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Path.Combine(dir, "cgroup.procs");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryRemove(Path.Combine(dir, "cgroup.procs"));
            return null;
        }
    }

    /// <summary>Shells that ended leave empty cgroups behind; rmdir refuses cgroups that still hold processes.</summary>
    private void RemoveEmpty()
    {
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(Parent, Prefix + "*"))
                TryRemove(Path.Combine(dir, "cgroup.procs"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryRemove(string procsFile)
    {
        try
        {
            // Directory.Delete would try to delete the control files first; a cgroup is removed by rmdir alone.
            var dir = Path.GetDirectoryName(procsFile)!;
            if (Directory.Exists(dir) && File.ReadAllText(procsFile).Length == 0)
                Directory.Delete(dir, recursive: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
