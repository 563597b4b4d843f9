using System.Diagnostics;
using Deckhand.Engine.Tools.Terminal.Native;

namespace Deckhand.Engine.Tools.Mcp;

/// <summary>
/// The child process of a stdio MCP server. It starts in a session of its own (<c>setsid</c>), so <see cref="Stop"/>
/// ends the server and everything it started (an <c>npx</c> wrapper and its <c>node</c>, say) and nothing else. Its
/// environment is the server's minus Deckhand's own keys, plus the configured <c>env</c>. The last lines of its stderr
/// are kept to explain a failed start.
/// </summary>
internal sealed class McpProcess : IDisposable
{
    private const int TailLines = 30;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
    private static readonly string[] HiddenVariablePrefixes = ["DECKHAND_", "OH_SESSION_API_KEYS_"];
    private static readonly string[] HiddenVariables = ["SESSION_API_KEY", "LLM_API_KEY"];

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly bool _ownSession;
    private int _stopped;

    private McpProcess(Process process, bool ownSession)
    {
        _process = process;
        _ownSession = ownSession;
        Pid = process.Id;
    }

    public int Pid { get; }

    /// <summary>What we write to the server (its stdin).</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>What the server writes (its stdout).</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>The last lines the server wrote to stderr.</summary>
    public string StderrTail()
    {
        lock (_stderr)
            return string.Join("\n", _stderr);
    }

    /// <summary>Waits (briefly) for the process to exit and its stderr to be read to the end.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
        }
    }

    /// <summary>A description of how the process ended, for error messages; null while it runs.</summary>
    public string? ExitDescription()
    {
        if (!HasExited)
            return null;
        var tail = StderrTail();
        var code = _process.ExitCode;
        return tail.Length > 0 ? $"the process exited with code {code}; its last output was:\n{tail}" : $"the process exited with code {code}";
    }

    /// <summary>Starts the server; throws <see cref="McpStartException"/> when it cannot be started at all.</summary>
    public static McpProcess Start(McpServerSpec spec, string workingDir)
    {
        var env = Environment(spec.Env);
        var cwd = spec.Cwd is null ? workingDir : Path.GetFullPath(spec.Cwd, workingDir);
        if (!Directory.Exists(cwd))
            throw new McpStartException($"its working directory '{cwd}' does not exist.");
        var program = ResolveProgram(spec.Command!, cwd, env.GetValueOrDefault("PATH") ?? "")
            ?? throw new McpStartException($"the command '{spec.Command}' was not found (searched PATH).");

        var info = new ProcessStartInfo(Setsid ?? program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd,
        };
        if (Setsid is not null)
            info.ArgumentList.Add(program);
        foreach (var arg in spec.Args)
            info.ArgumentList.Add(arg);
        info.Environment.Clear();
        foreach (var (name, value) in env)
            info.Environment[name] = value;

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new McpStartException("the process did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new McpStartException($"the command could not be started: {ex.Message}");
        }
        var child = new McpProcess(process, Setsid is not null);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (child._stderr)
            {
                child._stderr.Enqueue(e.Data.Length > 500 ? e.Data[..500] + "…" : e.Data);
                while (child._stderr.Count > TailLines)
                    child._stderr.Dequeue();
            }
        };
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Ends the server and its whole session: SIGTERM, a second's grace, then SIGKILL for whatever is left. Idempotent;
    /// blocks for at most about <see cref="StopGrace"/>.
    /// </summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        try
        {
            if (_ownSession)
            {
                Signal(ProcessTree.SessionMembers(Pid), Libc.SIGTERM);
                var deadline = Stopwatch.GetTimestamp() + (long)(StopGrace.TotalSeconds * Stopwatch.Frequency);
                while (ProcessTree.SessionMembers(Pid).Count > 0 && Stopwatch.GetTimestamp() < deadline)
                    Thread.Sleep(20);
                for (var round = 0; round < 10 && ProcessTree.SessionMembers(Pid) is { Count: > 0 } left; round++)
                    Signal(left, Libc.SIGKILL);
            }
            if (!HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(1000);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }

    private static void Signal(List<int> pids, int signal)
    {
        foreach (var pid in pids)
            Libc.Kill(pid, signal);
    }

    /// <summary>The server process's environment, following the terminal's rule: Deckhand's own keys never leak.</summary>
    private static Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> extra)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)e.Key;
            if (HiddenVariables.Contains(name) || HiddenVariablePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                continue;
            env[name] = (string?)e.Value ?? "";
        }
        foreach (var (name, value) in extra)
            env[name] = value;
        return env;
    }

    /// <summary>The program to run: a path as given, or the first match on PATH. Null when there is none.</summary>
    private static string? ResolveProgram(string command, string cwd, string path)
    {
        if (command.Contains('/'))
            return Path.GetFullPath(command, cwd) is var full && File.Exists(full) ? full : null;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

/// <summary>An MCP server could not be started; the message completes "MCP server 'x' failed to start: ...".</summary>
internal sealed class McpStartException(string message) : Exception(message);
