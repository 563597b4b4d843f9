using Deckhand.Engine.Conversations;
using Deckhand.Engine.Storage;

namespace Deckhand.Engine.Files;

public enum PathAccess
{
    Allowed,
    NotAbsolute,
    Outside,
}

/// <summary>
/// Where the file and git routes may reach: inside the working directory of any existing conversation (real paths,
/// symlinks followed), and never inside Deckhand's data directory, even when a workspace contains it. A path is judged
/// by its real location (<see cref="RealPath"/>), so <c>..</c> and symlinks that lead out are refused like any other
/// outside path. Roots are read from the store on each check, so a deleted conversation stops granting access at once.
/// </summary>
public sealed class WorkspaceRoots(IConversationStore store, EngineOptions options)
{
    private const int PageSize = 100;

    /// <summary>The real path to operate on, or why not.</summary>
    public (PathAccess Access, string? RealPath) Check(string path)
    {
        if (!Path.IsPathFullyQualified(path))
            return (PathAccess.NotAbsolute, null);
        var real = RealPath.Resolve(path);
        if (RealPath.IsWithin(real, DataDir()))
            return (PathAccess.Outside, null);
        foreach (var root in Roots())
        {
            if (RealPath.IsWithin(real, root))
                return (PathAccess.Allowed, real);
        }
        return (PathAccess.Outside, null);
    }

    /// <summary>Real paths of the working directories of all conversations that exist on disk.</summary>
    public IReadOnlyList<string> Roots()
    {
        var roots = new HashSet<string>(StringComparer.Ordinal);
        Guid? page = null;
        do
        {
            var result = store.SearchConversations(new ConversationQuery { Sort = ConversationSort.CreatedAt, PageId = page, Limit = PageSize });
            foreach (var snapshot in result.Items)
            {
                var dir = snapshot.State.Workspace.WorkingDir;
                if (!Path.IsPathFullyQualified(dir))
                    continue;
                try
                {
                    var real = RealPath.Resolve(dir);
                    if (Directory.Exists(real))
                        roots.Add(real);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
            page = result.NextPageId;
        }
        while (page is not null);
        return [.. roots];
    }

    private string DataDir() => RealPath.Resolve(Path.GetFullPath(options.DataDir));
}
