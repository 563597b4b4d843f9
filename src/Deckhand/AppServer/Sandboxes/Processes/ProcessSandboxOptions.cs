namespace Deckhand.AppServer.Sandboxes.Processes;

/// <summary>How the <c>process</c> provider runs sandboxes.</summary>
public sealed record ProcessSandboxOptions
{
    /// <summary>Each sandbox gets <c>&lt;dir&gt;/&lt;id&gt;/{workspace,data,agent-server.log}</c>.</summary>
    public required string SandboxesDir { get; init; }

    /// <summary>The command that runs <c>deckhand</c>; null finds it (<see cref="AgentServerLauncher"/>).</summary>
    public IReadOnlyList<string>? DeckhandCommand { get; init; }

    /// <summary>More <c>agent-server</c> arguments, e.g. <c>--isolation none</c>.</summary>
    public IReadOnlyList<string> AgentServerArgs { get; init; } = [];

    /// <summary>Extra environment for every sandbox (never secrets: the session key is added separately).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The address each agent-server listens on.</summary>
    public string BindHost { get; init; } = "127.0.0.1";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a sandbox gets to shut down after SIGTERM before it is killed.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(3);
}
