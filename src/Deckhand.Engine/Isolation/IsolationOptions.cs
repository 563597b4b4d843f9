namespace Deckhand.Engine.Isolation;

/// <summary>Which isolation the server's shells run in.</summary>
public enum IsolationMode
{
    /// <summary>Bubblewrap when it is installed and works here, otherwise none (with a warning).</summary>
    Auto,
    /// <summary>Bubblewrap or refuse to start.</summary>
    Bubblewrap,
    /// <summary>No isolation: the shell runs as the server's user.</summary>
    None,
}

/// <summary>How shells started for conversations are isolated; one choice per server.</summary>
public sealed record IsolationOptions
{
    public IsolationMode Mode { get; init; } = IsolationMode.Auto;

    /// <summary>False gives the shell its own network namespace with only a loopback device of its own.</summary>
    public bool Network { get; init; } = true;

    /// <summary>Address-space limit per process in the shell (RLIMIT_AS), in MiB.</summary>
    public int? MemoryLimitMb { get; init; }

    /// <summary>Most processes the shell may run at once (pids cgroup when writable, else RLIMIT_NPROC).</summary>
    public int? MaxProcesses { get; init; }
}
