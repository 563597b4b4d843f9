using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// Where a conversation (V0 or V1) lives: its catalogue row, its sandbox and that sandbox's live status, and a client
/// for the sandbox's agent-server when it is running. <see cref="Agent"/> is null unless <see cref="Status"/> is
/// <c>RUNNING</c> and the sandbox has an agent-server URL.
/// </summary>
public sealed record ConversationTarget(AppConversationInfo Info, SandboxRecord? Sandbox, SandboxStatus Status, AgentServerClient? Agent)
{
    /// <summary>The id the agent-server knows the conversation by (the same UUID).</summary>
    public Guid Id => Info.Id;
}

/// <summary>Resolves conversation ids to <see cref="ConversationTarget"/>s, for routes and sockets shared by V0 and V1.</summary>
public sealed class ConversationTargets(AppConversationInfoRepository conversations, SandboxService sandboxes, SandboxAgents agents)
{
    /// <summary>
    /// The conversation <paramref name="id"/> (either version) as <paramref name="userId"/> sees it, or null when it is
    /// not in the catalogue. A sandbox that is gone gives <c>MISSING</c>.
    /// </summary>
    public async Task<ConversationTarget?> FindAsync(string? userId, Guid id, TimeSpan? agentTimeout = null,
        CancellationToken cancellationToken = default)
    {
        var info = await conversations.FindAnyAsync(userId, id, cancellationToken);
        if (info is null)
            return null;
        var sandbox = string.IsNullOrEmpty(info.SandboxId) ? null : await sandboxes.FindAsync(null, info.SandboxId, cancellationToken);
        var status = sandbox is null ? SandboxStatus.Missing
            : (await sandboxes.GetAsync(null, sandbox.Id, cancellationToken))?.Status ?? SandboxStatus.Missing;
        var agent = status == SandboxStatus.Running && sandbox is not null ? agents.For(sandbox, agentTimeout) : null;
        return new ConversationTarget(info, sandbox, status, agent);
    }
}
