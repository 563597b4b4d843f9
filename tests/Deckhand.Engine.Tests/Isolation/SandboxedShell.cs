using System.Diagnostics;
using Deckhand.Engine.Isolation;

namespace Deckhand.Engine.Tests.Isolation;

/// <summary>
/// Runs <c>bash -c</c> for real through <see cref="BubblewrapIsolation"/>, with a temp workspace and a data dir under
/// /var/tmp (outside the hidden /tmp, so hiding it is the data-dir rule at work and not the private /tmp).
/// </summary>
internal sealed class SandboxedShell : IDisposable
{
    public SandboxedShell(IsolationOptions? options = null)
    {
        Workspace = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "deckhand-ws-" + Guid.NewGuid().ToString("N"))).FullName;
        DataDir = Directory.CreateDirectory(Path.Combine("/var/tmp", "deckhand-data-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            Isolation = ShellIsolation.Create((options ?? new IsolationOptions()) with { Mode = IsolationMode.Bubblewrap }, DataDir);
        }
        catch (InvalidOperationException ex)
        {
            Dispose();
            Assert.Fail("These tests need bubblewrap: apt-get install bubblewrap (test.sh installs it on CI). " + ex.Message);
            throw;
        }
    }

    public string Workspace { get; }
    public string DataDir { get; }
    public IShellIsolation Isolation { get; }

    public static string RealHome => Environment.GetEnvironmentVariable("HOME") ?? "/root";

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(string command, IReadOnlyDictionary<string, string>? environment = null)
    {
        var launch = Isolation.Wrap(new ShellLaunch
        {
            FileName = "/bin/bash",
            Arguments = ["-c", command],
            Environment = environment ?? new Dictionary<string, string> { ["HOME"] = RealHome, ["PATH"] = "/usr/local/bin:/usr/bin:/bin" },
            WorkingDirectory = Workspace,
        }, Workspace);
        var start = new ProcessStartInfo(launch.FileName, launch.Arguments)
        {
            WorkingDirectory = launch.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sandboxed command did not finish: {command}");
        }
        return (process.ExitCode, (await output).Trim(), (await error).Trim());
    }

    public void Dispose()
    {
        foreach (var dir in new[] { Workspace, DataDir })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
