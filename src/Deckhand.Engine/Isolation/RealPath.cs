namespace Deckhand.Engine.Isolation;

/// <summary>Absolute paths with every symlink resolved, as bubblewrap needs them for mount points.</summary>
internal static class RealPath
{
    public static string Of(string path)
    {
        var pending = new Stack<string>(Components(Path.GetFullPath(path)).Reverse());
        var resolved = "/";
        for (var hops = 0; pending.TryPop(out var part);)
        {
            var next = Path.Combine(resolved, part);
            if (hops < 40 && new FileInfo(next).LinkTarget is { } target)
            {
                hops++;
                foreach (var p in Components(Path.GetFullPath(target, resolved)).Reverse())
                    pending.Push(p);
                resolved = "/";
            }
            else
            {
                resolved = next;
            }
        }
        return resolved;
    }

    private static string[] Components(string absolute) => absolute.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
