using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Deckhand.Tests.Support;

/// <summary>The real <c>deckhand</c> executable as a child process (for crash and CLI tests).</summary>
public sealed partial class DeckhandProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _pumps = [];

    private DeckhandProcess(Process process) => _process = process;

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "deckhand.dll");

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public int ExitCode => _process.ExitCode;

    public static DeckhandProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var name in new[] { "LLM_MODEL", "LLM_BASE_URL", "LLM_API_KEY", "SESSION_API_KEY", "DECKHAND_DATA_DIR", "DECKHAND_API_KEY",
                     "DECKHAND_DATABASE", "DECKHAND_SECRET_KEY", "DECKHAND_AGENT_SERVER_COMMAND" })
            info.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        var process = new DeckhandProcess(Process.Start(info)!);
        process._pumps.Add(process.Pump(process._process.StandardOutput));
        process._pumps.Add(process.Pump(process._process.StandardError));
        process._process.StandardInput.Close(); // "no stdin", as in CI
        return process;
    }

    /// <summary>Starts <c>deckhand agent-server</c> on a free port and waits until it listens.</summary>
    public static async Task<(DeckhandProcess Process, Uri BaseUrl)> StartServerAsync(string dataDir)
    {
        // No title calls: they would take replies scripted for the agent.
        var process = Start(["agent-server", "--port", "0", "--data-dir", dataDir, "--no-llm-titles"]);
        var url = await process._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return (process, url);
    }

    /// <summary>Waits for the "listening on http://..." line a server prints once it is ready.</summary>
    public Task<Uri> WaitForListeningAsync(TimeSpan timeout) => _listening.Task.WaitAsync(timeout);

    public int Id => _process.Id;

    /// <summary>SIGTERM: the polite stop a service manager sends.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        await Task.WhenAll(_pumps).WaitAsync(cts.Token); // every line the process wrote has been read
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            KillHard();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task Pump(StreamReader reader) => Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_output)
                _output.AppendLine(line);
            if (ListeningLine().Match(line) is { Success: true } match)
                _listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
        }
    });

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
