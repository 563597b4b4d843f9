using System.Net;

namespace Deckhand.AgentServer;

/// <summary>How <c>deckhand agent-server</c> was asked to run.</summary>
public sealed record AgentServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8000;
    public required string DataDir { get; init; }
    /// <summary>Keys accepted in <c>X-Session-API-Key</c>; empty means no authentication (then loopback only).</summary>
    public IReadOnlyList<string> SessionApiKeys { get; init; } = [];
    public TimeSpan IdleUnloadAfter { get; init; } = TimeSpan.FromMinutes(20);
    /// <summary>Largest JSON request body accepted.</summary>
    public long MaxJsonBodyBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>How the agent's shells are isolated (bubblewrap when available, by default).</summary>
    public Engine.Isolation.IsolationOptions Isolation { get; init; } = new();
    /// <summary>Auto-titles by a short call to the agent's model (true) or cut from the first message (false).</summary>
    public bool LlmTitles { get; init; } = true;
    /// <summary>Where conversation events and updates are posted (<c>OH_WEBHOOKS_*</c>, <c>--webhook</c>).</summary>
    public IReadOnlyList<Webhooks.WebhookSpec> Webhooks { get; init; } = [];
    /// <summary>How long queued webhook posts get to go out when the server stops or a conversation is deleted.</summary>
    public TimeSpan WebhookShutdownGrace { get; init; } = TimeSpan.FromSeconds(3);

    public bool AuthEnabled => SessionApiKeys.Count > 0;

    public bool IsLoopbackHost =>
        Host is "localhost" || (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Session keys from the environment, as OpenHands reads them: SESSION_API_KEY and OH_SESSION_API_KEYS_0, _1, ...</summary>
    public static IReadOnlyList<string> KeysFromEnvironment()
    {
        var keys = new List<string>();
        if (Environment.GetEnvironmentVariable("SESSION_API_KEY") is { Length: > 0 } single)
            keys.Add(single);
        for (var i = 0; Environment.GetEnvironmentVariable($"OH_SESSION_API_KEYS_{i}") is { Length: > 0 } key; i++)
            keys.Add(key);
        return keys;
    }
}
