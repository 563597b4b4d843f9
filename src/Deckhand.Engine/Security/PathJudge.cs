using Deckhand.Engine.Files;

namespace Deckhand.Engine.Security;

/// <summary>Where a path named in a tool call lands, as far as the risk rules care.</summary>
internal enum PathPlace
{
    /// <summary>Inside the workspace.</summary>
    Inside,
    /// <summary>Inside a temp directory, or a harmless device such as <c>/dev/null</c>.</summary>
    Scratch,
    /// <summary>Outside the workspace and the temp directories.</summary>
    Outside,
    /// <summary>A block or other raw device under <c>/dev</c>.</summary>
    Device,
    /// <summary>The workspace root itself.</summary>
    WorkspaceRoot,
    /// <summary>The filesystem root, the home directory, a temp root, or a parent of the workspace.</summary>
    Vital,
    /// <summary>Cannot be told (depends on a variable other than HOME).</summary>
    Unknown,
}

/// <summary>
/// Judges paths from the command line or tool arguments relative to one workspace. Relative paths are read from the
/// workspace root (where the terminal starts), <c>~</c> and <c>$HOME</c> from the home directory. Symlinks among
/// existing components are followed, so a link in the workspace that leads to <c>/etc</c> counts as outside.
/// </summary>
internal sealed class PathJudge
{
    private static readonly string[] HarmlessDevices =
        ["/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty", "/dev/random", "/dev/urandom", "/dev/full"];

    private readonly string _workspace;
    private readonly string _home;
    private readonly string[] _temps;

    public PathJudge(string workspace, string? home = null)
    {
        _workspace = Real(workspace);
        _home = Real(home ?? Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        _temps = [.. new[] { "/tmp", "/var/tmp", Path.GetTempPath() }.Select(Real).Distinct(StringComparer.Ordinal)];
    }

    public string Workspace => _workspace;

    /// <summary>Where <paramref name="raw"/> lands. A trailing <c>/*</c> means "everything in" the directory before it.</summary>
    public PathPlace Judge(string raw)
    {
        var path = Expand(raw.Trim());
        if (path is null)
            return PathPlace.Unknown;
        // "dir/*" and "dir/.*" stand for the whole content of dir; "dir/*.log" for some files in it.
        var glob = path.IndexOfAny(['*', '?', '[']);
        var contentsOf = false;
        if (glob >= 0)
        {
            var last = path[(path.LastIndexOf('/') + 1)..];
            contentsOf = last is "*" or ".*" && path.LastIndexOf('/') < glob;
            var cut = path.LastIndexOf('/', glob);
            path = cut <= 0 ? (path.StartsWith('/') ? "/" : ".") : path[..cut];
        }
        string full;
        try
        {
            full = Real(Path.IsPathRooted(path) ? path : Path.Combine(_workspace, path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return PathPlace.Unknown;
        }
        return glob >= 0 && !contentsOf ? PlaceOfChildren(full) : Within(full);
    }

    /// <summary>Where the files inside <paramref name="dir"/> land (for <c>dir/*.log</c>).</summary>
    private PathPlace PlaceOfChildren(string dir)
    {
        if (RealPath.IsWithin(dir, _workspace))
            return PathPlace.Inside;
        if (RealPath.IsWithin(dir, "/dev"))
            return PathPlace.Device;
        return _temps.Any(t => RealPath.IsWithin(dir, t)) ? PathPlace.Scratch : PathPlace.Outside;
    }

    private PathPlace Within(string full)
    {
        if (full == _workspace)
            return PathPlace.WorkspaceRoot;
        if (full == "/" || full == _home || _temps.Contains(full, StringComparer.Ordinal)
            || RealPath.IsWithin(_workspace, full))
            return PathPlace.Vital;
        if (HarmlessDevices.Contains(full, StringComparer.Ordinal) || full.StartsWith("/dev/fd/", StringComparison.Ordinal)
            || full.StartsWith("/proc/self/fd/", StringComparison.Ordinal) || full.StartsWith("/dev/shm/", StringComparison.Ordinal))
            return PathPlace.Scratch;
        if (RealPath.IsWithin(full, _workspace))
            return PathPlace.Inside;
        if (RealPath.IsWithin(full, "/dev"))
            return PathPlace.Device;
        return _temps.Any(t => RealPath.IsWithin(full, t)) ? PathPlace.Scratch : PathPlace.Outside;
    }

    /// <summary>Expands <c>~</c>, <c>$HOME</c> and <c>$PWD</c>; null when another variable decides the path.</summary>
    private string? Expand(string path)
    {
        if (path.Length == 0)
            return null;
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = _home + path[1..];
        foreach (var (name, value) in new[] { ("HOME", _home), ("PWD", _workspace) })
        {
            path = path.Replace("${" + name + "}", value, StringComparison.Ordinal);
            if (path.StartsWith("$" + name, StringComparison.Ordinal) && (path.Length == name.Length + 1 || path[name.Length + 1] == '/'))
                path = value + path[(name.Length + 1)..];
        }
        return path.Contains('$', StringComparison.Ordinal) || path.StartsWith('~') ? null : path;
    }

    private static string Real(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            full = RealPath.Resolve(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
