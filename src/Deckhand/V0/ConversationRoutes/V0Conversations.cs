using Deckhand.AgentServer.Http;
using Deckhand.AppServer.AppConversations;
using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Users;
using Deckhand.Client;
using Deckhand.Engine.Files;

namespace Deckhand.V0.ConversationRoutes;

/// <summary>
/// The conversation's working directory as both sides see it: <see cref="AgentDir"/> is the path its agent-server
/// uses, <see cref="Root"/> the same directory's real path on this host (the process sandbox shares the filesystem),
/// <see cref="SandboxRoot"/> the real path of the whole sandbox workspace it lies in.
/// </summary>
public sealed record V0Workspace(string AgentDir, string Root, string SandboxRoot, AgentServerClient Agent);

/// <summary>Resolves the <c>{conversation_id}</c> of the per-conversation routes (V0 or V1 rows) and their workspace.</summary>
public sealed class V0Conversations(ConversationTargets targets, SandboxService sandboxes, CurrentUser user)
{
    /// <summary>OpenHands' answer for a conversation that is not in the catalogue.</summary>
    public static IResult NotFound(string conversationId) =>
        ApiErrors.Detail(StatusCodes.Status404NotFound, $"Conversation {conversationId} not found");

    /// <summary>The conversation, or the 404 to answer.</summary>
    public async Task<(ConversationTarget? Target, IResult? Problem)> FindAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (!Ids.TryParse(conversationId, out var id))
            return (null, NotFound(conversationId));
        var target = await targets.FindAsync(user.Id, id, cancellationToken: cancellationToken);
        return target is null ? (null, NotFound(conversationId)) : (target, null);
    }

    /// <summary>
    /// The working directory of a running conversation, or null when its sandbox is not running or the agent-server
    /// does not know it (the routes answer "Runtime not yet initialized"). Throws what the agent-server call throws.
    /// </summary>
    public async Task<V0Workspace?> WorkspaceAsync(ConversationTarget target, CancellationToken cancellationToken)
    {
        if (target.Agent is not { } agent || target.Sandbox is not { } sandbox)
            return null;
        var info = await agent.GetConversationAsync(target.Id, cancellationToken);
        if (info is null)
            return null;
        var dir = info.Workspace.WorkingDir;
        if (!Path.IsPathFullyQualified(dir) || !Directory.Exists(dir))
            return null;
        var root = RealPath.Resolve(dir);
        // Only a directory inside the sandbox's own workspace is served from this host.
        var sandboxRoot = RealPath.Of(sandboxes.WorkingDirectory(sandbox));
        return RealPath.IsWithin(root, sandboxRoot) ? new V0Workspace(dir, root, sandboxRoot, agent) : null;
    }

    /// <summary><c>{"error":"Runtime not yet initialized"}</c> (404): the sandbox is not running, so its files cannot be reached.</summary>
    public static IResult NotRunning() => V0Json.Error(StatusCodes.Status404NotFound, "Runtime not yet initialized");
}
