using System.Net;

namespace Deckhand.AppServer;

/// <summary>How <c>deckhand serve</c> was asked to run.</summary>
public sealed record AppServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 3000;
    public required string DataDir { get; init; }

    /// <summary>A PostgreSQL connection string (keywords or <c>postgres://</c> URL); null keeps SQLite in the data directory.</summary>
    public string? Database { get; init; }

    /// <summary>The key every <c>/api</c> request must carry; required to bind beyond loopback.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Encrypts secrets at rest; null uses (or creates) <c>secret.key</c> in the data directory.</summary>
    public string? SecretKey { get; init; }

    /// <summary>How many sandboxes run at once before the oldest is paused.</summary>
    public int MaxSandboxes { get; init; } = 5;

    /// <summary>The command that runs <c>deckhand</c> for sandboxes; null finds it.</summary>
    public IReadOnlyList<string>? DeckhandCommand { get; init; }

    /// <summary>Extra <c>agent-server</c> arguments for every sandbox (e.g. <c>--isolation none</c>).</summary>
    public IReadOnlyList<string> SandboxAgentServerArgs { get; init; } = [];

    public TimeSpan SandboxStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a start task waits for an existing sandbox to be running (OpenHands: 120 s).</summary>
    public TimeSpan SandboxStartupTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How often a start task checks an existing sandbox that is not running yet.</summary>
    public TimeSpan SandboxPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long <c>git clone</c> of <c>selected_repository</c> may take.</summary>
    public TimeSpan GitCloneTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long a repository's <c>.openhands/setup.sh</c> may run (OpenHands: 600 s).</summary>
    public TimeSpan SetupScriptTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Where <c>owner/repo</c> is cloned from, by git provider (<c>https://github.com</c> for <c>github</c>...).</summary>
    public IReadOnlyDictionary<string, string> GitProviderUrls { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["github"] = "https://github.com",
        ["gitlab"] = "https://gitlab.com",
        ["bitbucket"] = "https://bitbucket.org",
    };

    /// <summary>
    /// The REST API base URL of each git provider, for validating provider tokens and the <c>/api/user</c> routes. A token
    /// saved with a <c>host</c> of its own (an enterprise server) uses that host's API instead.
    /// </summary>
    public IReadOnlyDictionary<string, string> GitProviderApiUrls { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["github"] = "https://api.github.com",
        ["gitlab"] = "https://gitlab.com/api/v4",
    };

    /// <summary>A directory holding a built single-page web app (with <c>index.html</c>) to serve at <c>/</c>; null serves none.</summary>
    public string? WebRoot { get; init; }

    /// <summary>
    /// Browser origins allowed to call the API cross-origin, besides any <c>localhost</c> / <c>127.0.0.1</c> origin
    /// (<c>--cors-origin</c>, <c>PERMITTED_CORS_ORIGINS</c>).
    /// </summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>The app server's URL as sandboxes reach it, for their webhooks; null uses the address it listens on.</summary>
    public string? WebhookBaseUrl { get; init; }

    /// <summary>Sandboxes post events in batches of this many (OpenHands: 5)...</summary>
    public int SandboxWebhookBufferSize { get; init; } = 5;

    /// <summary>...or this long after the last event (OpenHands: 30 s; shorter keeps the app server's copy current).</summary>
    public TimeSpan SandboxWebhookFlushDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest JSON request body accepted.</summary>
    public long MaxJsonBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>V0 conversations a user may run at once; starting one more stops the least recently updated (OpenHands: 3).</summary>
    public int MaxConcurrentConversations { get; init; } = 3;

    /// <summary>How long a V0 conversation may be idle (agent not running, no socket) before it is stopped (OpenHands: 3600 s).</summary>
    public TimeSpan ConversationCloseDelay { get; init; } = TimeSpan.FromSeconds(3600);

    /// <summary>How often idle V0 conversations are looked for (OpenHands: 15 s).</summary>
    public TimeSpan ConversationIdleSweepInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>V0 conversations older than this are left out of the V0 list (OpenHands: 10 days).</summary>
    public TimeSpan ConversationMaxAge { get; init; } = TimeSpan.FromSeconds(864000);

    /// <summary>Accept <c>conversation_id</c> in the V0 create body (OpenHands: env <c>ALLOW_SET_CONVERSATION_ID=1</c>).</summary>
    public bool AllowSetConversationId { get; init; }

    /// <summary>
    /// Where V0 <c>submit-feedback</c> posts a conversation's trajectory (env <c>DECKHAND_FEEDBACK_URL</c>); null (the
    /// default) refuses feedback instead of sending conversations to a third party.
    /// </summary>
    public string? FeedbackUrl { get; init; }

    public string SandboxesDir => Path.Combine(DataDir, "sandboxes");

    public bool IsLoopbackHost =>
        Host is "localhost" || (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));
}
