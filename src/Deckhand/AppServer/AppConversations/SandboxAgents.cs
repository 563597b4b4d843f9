using Deckhand.AppServer.Sandboxes;
using Deckhand.Client;

namespace Deckhand.AppServer.AppConversations;

/// <summary>
/// Clients for the agent-servers of sandboxes, over one shared connection pool (loopback or cluster addresses: no
/// proxy). Each call's own timeout comes from its cancellation token; <see cref="DefaultTimeout"/> bounds the rest.
/// </summary>
public sealed class SandboxAgents : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    private readonly SocketsHttpHandler _handler = new() { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) };

    /// <summary>A client for the sandbox's agent-server; null when it has no URL (not started).</summary>
    public AgentServerClient? For(SandboxRecord sandbox, TimeSpan? timeout = null) =>
        sandbox.AgentUrl is { } url
            ? new AgentServerClient(new HttpClient(_handler, disposeHandler: false)
            {
                BaseAddress = new Uri(url.TrimEnd('/') + "/"),
                Timeout = timeout ?? DefaultTimeout,
            }, sandbox.SessionApiKey)
            : null;

    public void Dispose() => _handler.Dispose();
}
