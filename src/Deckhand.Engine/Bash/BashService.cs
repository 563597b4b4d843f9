using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Deckhand.Contracts.Bash;
using Microsoft.Extensions.Logging;

namespace Deckhand.Engine.Bash;

/// <summary>
/// The server-side shell of <c>/api/bash</c> (not the agent's terminal): each command runs as <c>/bin/bash -c</c> in its
/// own session and process group, with stdin closed and a trimmed environment (no session keys). stdout and stderr
/// become <see cref="BashOutput"/> events in <see cref="BashEventLog"/>: a chunk of exactly <see cref="ChunkChars"/>
/// characters whenever a stream's buffer grows past that, then a final event with the rest and the exit code. At the
/// timeout the whole group gets SIGTERM, then SIGKILL a second later, and the exit code is -1. Logs name command ids
/// and exit codes, never command text or output.
/// </summary>
public sealed partial class BashService : IAsyncDisposable
{
    public const int ChunkChars = 1_048_576;
    public const int MaxTimeoutSeconds = 24 * 60 * 60;
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(1);
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    public BashService(BashEventLog log, ILogger<BashService>? logger = null)
    {
        Log = log;
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public BashEventLog Log { get; }

    /// <summary>Records the command and starts it; the returned task completes with its last output.</summary>
    public (BashCommand Command, Task<BashOutput> Completion) Start(ExecuteBashRequest request)
    {
        var command = new BashCommand { Command = request.Command, Cwd = request.Cwd, Timeout = request.Timeout };
        Log.Append(command);
        var running = new Running(command);
        _running[command.Id] = running;
        running.Completion = Task.Run(() => RunAsync(running));
        return (command, running.Completion);
    }

    private async Task<BashOutput> RunAsync(Running run)
    {
        var started = Stopwatch.GetTimestamp();
        var command = run.Command;
        try
        {
            using var process = new Process { StartInfo = StartInfo(command) };
            try
            {
                process.Start();
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                return Finish(run, new BashOutput { CommandId = command.Id, ExitCode = -1, Stderr = $"Error executing command: {ex.Message}" });
            }
            run.Pid = process.Id;
            process.StandardInput.Close();
            var stdout = PumpAsync(process.StandardOutput, run, isStdout: true);
            var stderr = PumpAsync(process.StandardError, run, isStdout: false);

            var timedOut = false;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(command.Timeout));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    timedOut = true;
                    await KillGroupAsync(process);
                }
            }

            // A background job still holding the pipes must not hold the answer: read what is there, then stop.
            var pumps = Task.WhenAll(stdout, stderr);
            if (await Task.WhenAny(pumps, Task.Delay(DrainGrace)) != pumps)
            {
                process.StandardOutput.Close();
                process.StandardError.Close();
                await Task.WhenAny(pumps, Task.Delay(DrainGrace));
            }
            var exitCode = timedOut || !process.HasExited ? -1 : process.ExitCode;
            string? restOut, restErr;
            lock (run)
            {
                restOut = run.Stdout.Length > 0 ? run.Stdout.ToString() : null;
                restErr = run.Stderr.Length > 0 ? run.Stderr.ToString() : null;
                run.Stdout.Clear();
                run.Stderr.Clear();
            }
            var final = new BashOutput { CommandId = command.Id, ExitCode = exitCode, Stdout = restOut, Stderr = restErr };
            BashLog.Finished(_logger, command.Id, exitCode, timedOut, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return Finish(run, final);
        }
        finally
        {
            _running.TryRemove(command.Id, out _);
        }
    }

    private BashOutput Finish(Running run, BashOutput output)
    {
        lock (run)
        {
            output.Order = run.NextOrder++;
            Log.Append(output);
        }
        return output;
    }

    private async Task PumpAsync(StreamReader reader, Running run, bool isStdout)
    {
        var buffer = new char[8192];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                lock (run)
                {
                    var pending = isStdout ? run.Stdout : run.Stderr;
                    pending.Append(buffer, 0, read);
                    while (pending.Length > ChunkChars)
                    {
                        var text = pending.ToString(0, ChunkChars);
                        pending.Remove(0, ChunkChars);
                        Log.Append(new BashOutput
                        {
                            CommandId = run.Command.Id,
                            Order = run.NextOrder++,
                            Stdout = isStdout ? text : null,
                            Stderr = isStdout ? null : text,
                        });
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The pipe was closed under us after the command ended; what was read is kept.
        }
    }

    private static ProcessStartInfo StartInfo(BashCommand command)
    {
        var info = new ProcessStartInfo
        {
            FileName = Setsid ?? "/bin/bash",
            WorkingDirectory = command.Cwd ?? Directory.GetCurrentDirectory(),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (Setsid is not null)
            info.ArgumentList.Add("/bin/bash");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command.Command);
        var env = info.Environment;
        foreach (var name in env.Keys.ToList())
        {
            if (name is "SESSION_API_KEY" || name.StartsWith("OH_SESSION_API_KEYS_", StringComparison.Ordinal))
                env.Remove(name);
        }
        env["GIT_TERMINAL_PROMPT"] = "0";
        env["PAGER"] = "cat";
        env["GIT_PAGER"] = "cat";
        env["DEBIAN_FRONTEND"] = "noninteractive";
        return info;
    }

    /// <summary>SIGTERM to the group (so traps run), a second's grace, then SIGKILL.</summary>
    private static async Task KillGroupAsync(Process process)
    {
        Signal(process, Sigterm);
        using (var grace = new CancellationTokenSource(KillGrace))
        {
            try
            {
                await process.WaitForExitAsync(grace.Token);
                return;
            }
            catch (OperationCanceledException)
            {
            }
        }
        Signal(process, Sigkill);
        using var wait = new CancellationTokenSource(KillGrace);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private const int Sigkill = 9;
    private const int Sigterm = 15;

    private static void Signal(Process process, int signal)
    {
        try
        {
            if (Setsid is not null && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            {
                // The shell leads its own group (setsid), so -pid reaches every process it started.
                if (Kill(-process.Id, signal) == 0)
                    return;
            }
            if (signal == Sigkill)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        var pending = _running.Values.Select(r => r.Completion).Where(t => t is not null).ToArray();
        try
        {
            await Task.WhenAll(pending!).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
        _stopping.Dispose();
    }

    private sealed class Running(BashCommand command)
    {
        public BashCommand Command { get; } = command;
        public Task<BashOutput>? Completion { get; set; }
        public int Pid { get; set; }
        public int NextOrder { get; set; }
        public StringBuilder Stdout { get; } = new();
        public StringBuilder Stderr { get; } = new();
    }
}

internal static partial class BashLog
{
    [LoggerMessage(101, LogLevel.Information, "Bash command {CommandId} ended with exit code {ExitCode} (timed out: {TimedOut}) after {ElapsedMs} ms.")]
    public static partial void Finished(ILogger logger, string commandId, int exitCode, bool timedOut, long elapsedMs);
}
