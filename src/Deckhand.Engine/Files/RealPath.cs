namespace Deckhand.Engine.Files;

/// <summary>
/// <c>realpath(3)</c> for paths that may not exist yet: walks the path one component at a time from the root, following
/// every symlink among the existing components (and <c>..</c> from where a link really led), and keeps a missing tail
/// as written. So <c>/ws/link/../x</c> is judged where it really lands, not where it reads.
/// </summary>
public static class RealPath
{
    private const int MaxLinks = 40;

    /// <exception cref="IOException">Too many levels of symbolic links.</exception>
    /// <exception cref="UnauthorizedAccessException">A component cannot be inspected.</exception>
    public static string Resolve(string absolutePath)
    {
        if (!Path.IsPathFullyQualified(absolutePath))
            throw new ArgumentException("The path must be absolute.", nameof(absolutePath));
        var pending = new LinkedList<string>(Split(absolutePath));
        var current = "/";
        var links = 0;
        while (pending.First is { } node)
        {
            pending.RemoveFirst();
            var part = node.Value;
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            var next = Path.Join(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks)
                throw new IOException("Too many levels of symbolic links.");
            var parts = Split(target);
            for (var i = parts.Length - 1; i >= 0; i--)
                pending.AddFirst(parts[i]);
            if (Path.IsPathRooted(target))
                current = "/";
        }
        return current;
    }

    /// <summary><see cref="Resolve"/> for a path that may be relative (to the current directory).</summary>
    public static string Of(string path) => Resolve(Path.GetFullPath(path));

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or inside it (both already real).</summary>
    public static bool IsWithin(string path, string root) =>
        root == "/" || path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
