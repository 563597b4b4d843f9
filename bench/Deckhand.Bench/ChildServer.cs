using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Deckhand.Bench;

/// <summary>
/// <c>dotnet deckhand.dll agent-server</c> as a child process on a chosen loopback port, with its own temp data dir.
/// Only the process started here is ever killed.
/// </summary>
internal sealed class ChildServer : IDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;
    private readonly TaskCompletionSource<long> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildServer(Process process, string dataDir, int port)
    {
        _process = process;
        _dataDir = dataDir;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("listening on", StringComparison.Ordinal) == true)
                _listening.TrySetResult(Stopwatch.GetTimestamp());
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (!string.IsNullOrEmpty(line.Data))
                Console.Error.WriteLine("[agent-server] " + line.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    /// <summary>Stopwatch timestamp of the "listening on" line.</summary>
    public Task<long> Listening => _listening.Task;

    /// <summary>Resident set size of the child in MB (from /proc/PID/status VmRSS).</summary>
    public double RssMb
    {
        get
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return kb / 1024.0;
        }
    }

    /// <summary>Process id of the server (the <c>dotnet</c> host).</summary>
    public int Pid => _process.Id;

    public static ChildServer Start(params string[] extraArgs)
    {
        var dataDir = Directory.CreateTempSubdirectory("deckhand-bench-child-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { DeckhandDll(), "agent-server", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDir })
            start.ArgumentList.Add(arg);
        foreach (var arg in extraArgs)
            start.ArgumentList.Add(arg);
        return new ChildServer(Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet."), dataDir, port);
    }

    /// <summary>Polls <c>GET /ready</c> every few ms until it answers 200; returns the Stopwatch timestamp of that answer.</summary>
    public async Task<long> WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"agent-server exited with code {_process.ExitCode} before it was ready.");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return Stopwatch.GetTimestamp();
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(3);
        }
        throw new TimeoutException($"agent-server was not ready within {timeout.TotalSeconds:0} s.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The Release build of the server, found from the repository root above this program.</summary>
    public static string DeckhandDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Deckhand.slnx")))
                continue;
            var dll = Path.Combine(dir.FullName, "src", "Deckhand", "bin", "Release", "net10.0", "deckhand.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: run 'dotnet build -c Release' first.");
        }
        throw new DirectoryNotFoundException("Deckhand.slnx not found above " + AppContext.BaseDirectory);
    }
}
