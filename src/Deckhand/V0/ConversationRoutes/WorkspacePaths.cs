using Deckhand.Engine.Files;

namespace Deckhand.V0.ConversationRoutes;

/// <summary>A client path resolved inside a workspace: its real path on this host and its path relative to the workspace.</summary>
public sealed record WorkspacePath(string Real, string Relative);

/// <summary>
/// Client paths of the V0 file routes: relative to the conversation's working directory (absolute ones must lie in
/// it), judged by real path after <c>..</c> and symlinks, so nothing outside the workspace is ever read or written.
/// </summary>
public static class WorkspacePaths
{
    /// <summary>The path inside <paramref name="root"/> (a real path), or null when it leads outside.</summary>
    public static WorkspacePath? Resolve(string root, string? clientPath)
    {
        if (string.IsNullOrEmpty(clientPath))
            return new WorkspacePath(root, "");
        if (clientPath.Contains('\0', StringComparison.Ordinal))
            return null;
        var candidate = Path.IsPathRooted(clientPath) ? clientPath : Path.Join(root, clientPath);
        string real;
        try
        {
            real = RealPath.Resolve(candidate);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
        if (!RealPath.IsWithin(real, root))
            return null;
        var relative = real == root ? "" : Path.GetRelativePath(root, real).Replace('\\', '/');
        return new WorkspacePath(real, relative);
    }

    /// <summary>The 403 for a path that leads out of the workspace.</summary>
    public static IResult Outside(string? clientPath) =>
        V0Json.Error(StatusCodes.Status403Forbidden, $"Path is outside the workspace: {clientPath}");
}
