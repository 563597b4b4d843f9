using Deckhand.AgentServer.Http;
using Deckhand.Client;
using Deckhand.Contracts.Git;

namespace Deckhand.V0.ConversationRoutes;

/// <summary><c>git/changes</c> and <c>git/diff</c> of a V0 conversation's workspace, through its agent-server's git routes.</summary>
internal static class GitRoutes
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/git/changes", ChangesAsync);
        group.MapGet("/git/diff", DiffAsync);
    }

    private static async Task<IResult> ChangesAsync(V0Conversations conversations, string conversation_id, CancellationToken cancellationToken)
    {
        var (workspace, problem) = await FileRoutes.WorkspaceAsync(conversations, conversation_id, cancellationToken);
        if (workspace is null)
            return problem!;
        if (!InsideRepository(workspace.Root, workspace.SandboxRoot))
            return V0Json.Error(StatusCodes.Status404NotFound, "Not a git repository");
        List<GitChange> changes;
        try
        {
            changes = await workspace.Agent.GitChangesAsync(workspace.AgentDir, cancellationToken);
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            return V0Json.Error(StatusCodes.Status502BadGateway, $"Error getting changes: {Message(ex)}");
        }
        return V0Json.Write(w =>
        {
            w.WriteStartArray();
            foreach (var change in changes)
            {
                w.WriteStartObject();
                w.WriteString("status", change.Status switch
                {
                    GitChangeStatus.Added => "A",
                    GitChangeStatus.Deleted => "D",
                    _ => "M",
                });
                w.WriteString("path", change.Path);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static async Task<IResult> DiffAsync(V0Conversations conversations, string conversation_id, string? path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(path))
            return ApiErrors.Invalid("query.path", "Field required", "missing");
        var (workspace, problem) = await FileRoutes.WorkspaceAsync(conversations, conversation_id, cancellationToken);
        if (workspace is null)
            return problem!;
        if (WorkspacePaths.Resolve(workspace.Root, path) is not { } target || target.Relative.Length == 0)
            return WorkspacePaths.Outside(path);
        GitDiff diff;
        try
        {
            diff = await workspace.Agent.GitDiffAsync(Path.Join(workspace.AgentDir, target.Relative), cancellationToken);
        }
        catch (AgentServerException ex) when ((int)ex.StatusCode is >= 400 and < 500)
        {
            return V0Json.Error(StatusCodes.Status400BadRequest, $"Error getting diff: {ex.Detail}");
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            return V0Json.Error(StatusCodes.Status502BadGateway, $"Error getting diff: {Message(ex)}");
        }
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("modified", diff.Modified ?? "");
            w.WriteString("original", diff.Original ?? "");
            w.WriteEndObject();
        });
    }

    /// <summary>True when <paramref name="dir"/> or a parent up to <paramref name="top"/> holds <c>.git</c>.</summary>
    private static bool InsideRepository(string dir, string top)
    {
        for (var d = new DirectoryInfo(dir); d is not null && Deckhand.Engine.Files.RealPath.IsWithin(d.FullName, top); d = d.Parent)
        {
            var git = Path.Combine(d.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
                return true;
        }
        return false;
    }

    private static string Message(Exception ex) => ex is AgentServerException a ? a.Detail : ex.Message;
}
