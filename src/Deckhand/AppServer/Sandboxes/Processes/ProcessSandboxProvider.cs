using System.Collections.Concurrent;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deckhand.Contracts.AppServer;
using Deckhand.Engine.Tools.Terminal.Native;
using SystemProcess = System.Diagnostics.Process;
using SystemProcessStartInfo = System.Diagnostics.ProcessStartInfo;

namespace Deckhand.AppServer.Sandboxes.Processes;

/// <summary>
/// The <c>process</c> provider: each sandbox is a <c>deckhand agent-server</c> child on a free loopback port, in its own
/// session (so its whole process tree can be paused and stopped), with its own workspace and data directories and a
/// session key passed in the environment (never on the command line, which every local user can read). Its output
/// goes to <c>agent-server.log</c> in its directory, so it outlives the app server: a restarted app server re-adopts
/// it by pid and start time.
/// </summary>
public sealed partial class ProcessSandboxProvider : ISandboxProvider, IDisposable
{
    public const string ProviderKind = "process";
    public const string SpecId = "deckhand-agent-server";
    public const string LogFileName = "agent-server.log";

    /// <summary>In the sandbox's directory: the app server's webhook URL, which the agent-server re-reads before each post.</summary>
    public const string WebhookUrlFileName = "webhook-base-url";

    // $1 is the log file; the rest is the command. exec keeps the pid; setsid makes it a session leader.
    private const string LaunchScript = "log=\"$1\"; shift; exec setsid \"$@\" </dev/null >>\"$log\" 2>&1";
    private const string LaunchScriptWithoutSetsid = "log=\"$1\"; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1";

    /// <summary>Variables of the app server a sandbox must not inherit: keys of the app server and other servers.</summary>
    private static readonly string[] PrivateVariables =
        ["SESSION_API_KEY", "DECKHAND_API_KEY", SecretsKeyVariable, "DECKHAND_DATABASE", "DECKHAND_DATA_DIR", AgentServerLauncher.EnvironmentVariable];

    private const string SecretsKeyVariable = Secrets.SecretCipher.EnvironmentVariable;

    private readonly ProcessSandboxOptions _options;
    private readonly IReadOnlyList<string> _deckhand;
    private readonly string _root;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SystemProcess> _children = new();

    private readonly Webhooks.SandboxWebhookEnvironment? _webhooks;

    public ProcessSandboxProvider(ProcessSandboxOptions options, TimeProvider time, ILogger<ProcessSandboxProvider> logger,
        Webhooks.SandboxWebhookEnvironment? webhooks = null)
    {
        _webhooks = webhooks;
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The process sandbox provider needs Linux (/proc and POSIX signals).");
        _options = options;
        _logger = logger;
        _deckhand = AgentServerLauncher.Resolve(options.DeckhandCommand);
        _root = Path.GetFullPath(options.SandboxesDir);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Specs =
        [
            new SandboxSpecInfo { Id = SpecId, Command = [.. _deckhand, "agent-server"], CreatedAt = time.GetUtcNow(), WorkingDir = "" },
        ];
    }

    public string Kind => ProviderKind;

    public IReadOnlyList<SandboxSpecInfo> Specs { get; }

    public string WorkingDirectory(SandboxRecord record) => Path.Combine(SandboxDirectory(record.Id), "workspace");

    public async Task<SandboxRecord> StartAsync(SandboxRecord record, SandboxSpecInfo spec, Func<SandboxRecord, Task> persist,
        CancellationToken cancellationToken)
    {
        var dir = SandboxDirectory(record.Id);
        var data = Path.Combine(dir, "data");
        var log = Path.Combine(dir, LogFileName);
        if (OperatingSystem.IsLinux())
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(WorkingDirectory(record));
        Directory.CreateDirectory(data);
        // A restarted sandbox appends to its old log: only what this start writes counts.
        var logOffset = File.Exists(log) ? new FileInfo(log).Length : 0;

        var info = new SystemProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = WorkingDirectory(record) };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(File.Exists("/usr/bin/setsid") || File.Exists("/bin/setsid") ? LaunchScript : LaunchScriptWithoutSetsid);
        info.ArgumentList.Add("deckhand-sandbox");
        info.ArgumentList.Add(log);
        foreach (var part in _deckhand)
            info.ArgumentList.Add(part);
        foreach (var arg in (string[])["agent-server", "--host", _options.BindHost, "--port", "0", "--data-dir", data, .. _options.AgentServerArgs])
            info.ArgumentList.Add(arg);
        foreach (var name in info.Environment.Keys.Where(IsPrivate).ToList())
            info.Environment.Remove(name);
        foreach (var (name, value) in _options.Environment)
            info.Environment[name] = value;
        var webhookUrlFile = Path.Combine(dir, WebhookUrlFileName);
        foreach (var (name, value) in _webhooks?.For(record, webhookUrlFile) ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        WriteWebhookUrl(record, dir);
        info.Environment["OH_SESSION_API_KEYS_0"] = record.SessionApiKey;

        SystemProcess process;
        try
        {
            process = SystemProcess.Start(info) ?? throw new SandboxStartException("The sandbox process did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new SandboxStartException($"The sandbox process did not start: {ex.Message}", ex);
        }
        _children[record.Id] = process;
        // exec keeps the pid and the start time, so what we read now identifies the agent-server it becomes.
        var runtime = new ProcessRuntime(process.Id, LinuxProcess.Read(process.Id)?.StartTime ?? 0, dir);
        record = record with { Runtime = JsonSerializer.Serialize(runtime, ProcessRuntimeJson.Default.ProcessRuntime) };
        try
        {
            await persist(record);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.StartTimeout);
            var url = await WaitUntilListeningAsync(process, log, logOffset, deadline.Token, cancellationToken);
            await WaitUntilReadyAsync(process, url, record.SessionApiKey, log, deadline.Token, cancellationToken);
            LogStarted(_logger, record.Id, process.Id, url);
            return record with { AgentUrl = url };
        }
        catch (Exception ex)
        {
            await StopAsync(record.Id, runtime);
            if (ex is SandboxStartException or OperationCanceledException)
                throw;
            throw new SandboxStartException($"The sandbox did not start: {ex.Message}", ex);
        }
    }

    public async Task<SandboxStatus> GetStatusAsync(SandboxRecord record, CancellationToken cancellationToken)
    {
        if (Runtime(record) is not { } runtime)
            return record.Status == SandboxStatus.Starting ? SandboxStatus.Starting : SandboxStatus.Missing;
        if (LinuxProcess.Read(runtime.Pid) is not { Dead: false } stat || stat.StartTime != runtime.StartTime)
            return SandboxStatus.Missing;
        if (stat.Stopped)
            return SandboxStatus.Paused;
        if (record.Status == SandboxStatus.Starting || record.AgentUrl is null)
            return SandboxStatus.Starting;
        return await AliveAsync(record.AgentUrl, cancellationToken) ? SandboxStatus.Running : SandboxStatus.Error;
    }

    public async Task PauseAsync(SandboxRecord record, CancellationToken cancellationToken)
    {
        if (Runtime(record) is { } runtime && LinuxProcess.IsAlive(runtime.Pid, runtime.StartTime))
        {
            // The agent-server first, so it starts nothing new; then every process below it (its shells run in their own sessions).
            LinuxProcess.Signal(runtime.Pid, LinuxProcess.SigStop);
            foreach (var pid in ProcessTree.Find(runtime.Pid, Environment.ProcessId))
                LinuxProcess.Signal(pid, LinuxProcess.SigStop);
            // Signals are delivered asynchronously: answer once the agent-server is seen stopped, so a status read right
            // after the pause says PAUSED (and not RUNNING, or ERROR from a health check it can no longer answer).
            await WaitForStateAsync(runtime, stopped: true, cancellationToken);
        }
    }

    public async Task ResumeAsync(SandboxRecord record, CancellationToken cancellationToken)
    {
        if (Runtime(record) is { } runtime && LinuxProcess.IsAlive(runtime.Pid, runtime.StartTime))
        {
            foreach (var pid in ProcessTree.Find(runtime.Pid, Environment.ProcessId))
                LinuxProcess.Signal(pid, LinuxProcess.SigCont);
            await WaitForStateAsync(runtime, stopped: false, cancellationToken);
        }
    }

    private static async Task WaitForStateAsync(ProcessRuntime runtime, bool stopped, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (LinuxProcess.Read(runtime.Pid) is { Dead: false } stat && stat.StartTime == runtime.StartTime && stat.Stopped != stopped
               && DateTime.UtcNow < deadline)
            await Task.Delay(5, cancellationToken);
    }

    public async Task DeleteAsync(SandboxRecord record, CancellationToken cancellationToken)
    {
        if (Runtime(record) is { } runtime)
            await StopAsync(record.Id, runtime);
        var dir = SandboxDirectory(record.Id);
        for (var attempt = 0; Directory.Exists(dir); attempt++)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (attempt >= 5)
                {
                    LogCleanupFailed(_logger, record.Id, dir, ex.Message);
                    break;
                }
                await Task.Delay(50 * (attempt + 1), CancellationToken.None);
            }
        }
    }

    public Task<IReadOnlyList<SandboxRecord>> RecoverAsync(IReadOnlyList<SandboxRecord> records, CancellationToken cancellationToken) =>
        Task.Run<IReadOnlyList<SandboxRecord>>(async () =>
        {
            var adopted = new HashSet<int>();
            var result = new List<SandboxRecord>(records.Count);
            foreach (var record in records)
            {
                var runtime = Runtime(record);
                if (runtime is not null && IsOurs(runtime))
                {
                    if (record.Status == SandboxStatus.Starting)
                    {
                        // Whoever was starting it is gone; it never became ready.
                        await StopAsync(record.Id, runtime);
                        result.Add(record with { Status = SandboxStatus.Missing, Detail = "The app server restarted while this sandbox was starting." });
                        continue;
                    }
                    adopted.Add(runtime.Pid);
                    LogAdopted(_logger, record.Id, runtime.Pid);
                    result.Add(record);
                }
                else
                {
                    result.Add(record.Status == SandboxStatus.Missing ? record
                        : record with { Status = SandboxStatus.Missing, Detail = "The sandbox's agent-server process is gone." });
                }
            }
            StopStrays(adopted);
            return result;
        }, cancellationToken);

    /// <summary>
    /// Rewrites each live sandbox's <see cref="WebhookUrlFileName"/> with the app server's current address. Its
    /// agent-server reads the file before every post, so events it could not deliver while the app server was down
    /// (kept and retried) reach the app server where it listens now, without restarting the sandbox and its runs.
    /// </summary>
    public Task RepointWebhooksAsync(IReadOnlyList<SandboxRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            if (Runtime(record) is { } runtime && Directory.Exists(runtime.Directory))
                WriteWebhookUrl(record, runtime.Directory);
        }
        return Task.CompletedTask;
    }

    private void WriteWebhookUrl(SandboxRecord record, string dir)
    {
        if (_webhooks?.BaseUrl(record) is not { } url)
            return;
        var path = Path.Combine(dir, WebhookUrlFileName);
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllText(temporary, url + "\n");
            File.Move(temporary, path, overwrite: true); // atomic: a reader sees the old URL or the new one
            LogWebhookUrl(_logger, record.Id, url);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWebhookUrlFailed(_logger, record.Id, ex.Message);
        }
    }

    /// <summary>Stops every agent-server under the sandboxes directory whose pid is not in <paramref name="keep"/>.</summary>
    internal void StopStrays(IReadOnlySet<int> keep)
    {
        var self = Environment.ProcessId;
        foreach (var pid in LinuxProcess.All())
        {
            if (pid == self || keep.Contains(pid))
                continue;
            var args = LinuxProcess.CommandLine(pid);
            if (args.Contains("agent-server") && args.Any(a => a.StartsWith(_root + "/", StringComparison.Ordinal)))
            {
                LogStray(_logger, pid);
                ProcessTree.KillSession(pid);
            }
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        // Sandboxes outlive the app server (it re-adopts them on its next start); only our handles go.
        foreach (var child in _children.Values)
            child.Dispose();
        _children.Clear();
    }

    /// <summary>SIGTERM (a paused sandbox is continued so it can act on it), then SIGKILL for whatever is left of its tree.</summary>
    private async Task StopAsync(string id, ProcessRuntime runtime)
    {
        if (LinuxProcess.IsAlive(runtime.Pid, runtime.StartTime))
        {
            // Collected first: once the agent-server is gone its shells are re-parented and no longer traceable to it.
            var members = ProcessTree.Find(runtime.Pid, Environment.ProcessId)
                .Select(pid => (Pid: pid, Start: LinuxProcess.Read(pid)?.StartTime ?? -1)).ToList();
            LinuxProcess.Signal(runtime.Pid, LinuxProcess.SigTerm);
            foreach (var member in members)
                LinuxProcess.Signal(member.Pid, LinuxProcess.SigCont);
            if (!await WaitForExitAsync(runtime, _options.StopTimeout))
            {
                LinuxProcess.Signal(runtime.Pid, LinuxProcess.SigKill);
                await WaitForExitAsync(runtime, TimeSpan.FromSeconds(5));
            }
            foreach (var member in members.Where(m => LinuxProcess.IsAlive(m.Pid, m.Start)))
                LinuxProcess.Signal(member.Pid, LinuxProcess.SigKill);
            ProcessTree.KillSession(runtime.Pid);
        }
        if (_children.TryRemove(id, out var child))
        {
            // Our own child: reap it, so it does not linger as a zombie.
            try
            {
                using var reap = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await child.WaitForExitAsync(reap.Token);
            }
            catch (OperationCanceledException)
            {
            }
            child.Dispose();
        }
    }

    private static async Task<bool> WaitForExitAsync(ProcessRuntime runtime, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (LinuxProcess.IsAlive(runtime.Pid, runtime.StartTime))
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(20, CancellationToken.None);
        }
        return true;
    }

    /// <summary>The agent-server prints <c>listening on http://host:port</c> once it is ready; <c>--port 0</c> means no port race.</summary>
    private static async Task<string> WaitUntilListeningAsync(SystemProcess process, string log, long offset, CancellationToken deadline,
        CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        while (true)
        {
            seen.Append(ReadFrom(log, ref offset));
            if (ListeningLine().Match(seen.ToString()) is { Success: true } match)
                return match.Groups[1].Value.TrimEnd('/');
            if (process.HasExited)
                throw new SandboxStartException(
                    $"The sandbox's agent-server exited (code {process.ExitCode}) before it was ready: {LastLine(seen.ToString())}");
            cancellationToken.ThrowIfCancellationRequested();
            if (deadline.IsCancellationRequested)
                throw new SandboxStartException($"The sandbox's agent-server did not start listening in time; see {log}.");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private async Task WaitUntilReadyAsync(SystemProcess process, string url, string key, string log, CancellationToken deadline,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url + "/ready");
                request.Headers.Add("X-Session-API-Key", key);
                using var response = await _http.SendAsync(request, deadline);
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw new SandboxStartException($"The sandbox's agent-server exited (code {process.ExitCode}) before it was ready; see {log}.");
            if (deadline.IsCancellationRequested)
                throw new SandboxStartException($"The sandbox's agent-server did not become ready in time; see {log}.");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private async Task<bool> AliveAsync(string url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.HealthCheckTimeout);
        try
        {
            using var response = await _http.GetAsync(url + "/alive", timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private bool IsOurs(ProcessRuntime runtime) =>
        LinuxProcess.IsAlive(runtime.Pid, runtime.StartTime)
        && LinuxProcess.CommandLine(runtime.Pid).Any(a => a.StartsWith(runtime.Directory + "/", StringComparison.Ordinal));

    private string SandboxDirectory(string id)
    {
        var dir = Path.GetFullPath(Path.Combine(_root, id));
        if (!dir.StartsWith(_root + "/", StringComparison.Ordinal) || id.Contains('/', StringComparison.Ordinal) || id.Contains("..", StringComparison.Ordinal))
            throw new InvalidOperationException("A sandbox id must not name a path.");
        return dir;
    }

    private static ProcessRuntime? Runtime(SandboxRecord record)
    {
        if (string.IsNullOrEmpty(record.Runtime))
            return null;
        try
        {
            return JsonSerializer.Deserialize(record.Runtime, ProcessRuntimeJson.Default.ProcessRuntime);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsPrivate(string name) =>
        PrivateVariables.Contains(name) || name.StartsWith("OH_SESSION_API_KEYS_", StringComparison.Ordinal)
        || name.StartsWith("OH_WEBHOOKS", StringComparison.Ordinal); // only the app server's own webhook, set below

    private static string ReadFrom(string path, ref long offset)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= offset)
                return "";
            stream.Seek(offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var text = reader.ReadToEnd();
            offset = stream.Length;
            return text;
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : lines[^1];
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox {SandboxId} started: pid {Pid}, {Url}")]
    private static partial void LogStarted(ILogger logger, string sandboxId, int pid, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox {SandboxId} re-adopted: pid {Pid} is still running")]
    private static partial void LogAdopted(ILogger logger, string sandboxId, int pid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sandbox {SandboxId} posts its webhooks to {Url}")]
    private static partial void LogWebhookUrl(ILogger logger, string sandboxId, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox {SandboxId}: could not write its webhook URL: {Reason}")]
    private static partial void LogWebhookUrlFailed(ILogger logger, string sandboxId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping agent-server pid {Pid}: it runs in the sandboxes directory but no sandbox accounts for it")]
    private static partial void LogStray(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox {SandboxId}: could not remove {Directory}: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string sandboxId, string directory, string reason);
}
