namespace Deckhand.Engine.Isolation;

/// <summary>A process to start for a conversation's shell: program, arguments, environment and start directory.</summary>
public sealed record ShellLaunch
{
    public required string FileName { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public required string WorkingDirectory { get; init; }

    /// <summary>Directories the shell must be able to read even where the isolation hides their parents.</summary>
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];
}

/// <summary>
/// Wraps a shell launch in whatever isolation the server runs with. The terminal asks for its shell through this, so
/// isolation is one choice per server, not something each tool re-implements.
/// </summary>
public interface IShellIsolation
{
    /// <summary>"none" or "bubblewrap", as reported by /server_info.</summary>
    string Name { get; }

    /// <summary>Rewrites <paramref name="plain"/> to run inside the isolation for a conversation working in <paramref name="workspace"/>.</summary>
    ShellLaunch Wrap(ShellLaunch plain, string workspace);
}

/// <summary>No isolation: the shell runs as the server's user with the server's view of the machine.</summary>
public sealed class NoIsolation : IShellIsolation
{
    public string Name => "none";

    public ShellLaunch Wrap(ShellLaunch plain, string workspace) => plain;
}
