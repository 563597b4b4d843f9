using System.Net;
using System.Net.Sockets;
using Deckhand.Engine.Isolation;

namespace Deckhand.Engine.Tests.Isolation;

public sealed class BubblewrapIsolationTests
{
    [Fact]
    public async Task Shell_CannotWriteToTheSystem()
    {
        using var shell = new SandboxedShell();
        var target = "/etc/deckhand-x-" + Guid.NewGuid().ToString("N");

        var (exitCode, _, error) = await shell.RunAsync($"touch {target}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Read-only file system", error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Shell_HomeIsEmptyAndReadOnly_TouchFails_CachesGoToPrivateTmp()
    {
        using var shell = new SandboxedShell();
        var name = "deckhand-x-" + Guid.NewGuid().ToString("N");

        var (exitCode, output, _) = await shell.RunAsync($"touch ~/{name}; echo touch=$?; ls -A ~ | wc -l; mkdir -p \"$XDG_CACHE_HOME/tool\" && echo cache=$?");

        Assert.Equal(0, exitCode);
        Assert.Contains("touch=1", output);
        Assert.Contains("\n0\n", "\n" + output + "\n"); // the real home's dotfiles and secrets are not there
        Assert.Contains("cache=0", output);
        Assert.False(File.Exists(Path.Combine(SandboxedShell.RealHome, name)));
    }

    [Fact]
    public async Task Shell_WritesInTheWorkspace_AreVisibleOutside_AndStartThere()
    {
        using var shell = new SandboxedShell();

        var (exitCode, output, _) = await shell.RunAsync("pwd && echo hello > made.txt");

        Assert.Equal(0, exitCode);
        Assert.Equal(shell.Workspace, output);
        Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(shell.Workspace, "made.txt"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Shell_CannotSeeTheDataDir_OrTheHostTmp()
    {
        using var shell = new SandboxedShell();
        await File.WriteAllTextAsync(Path.Combine(shell.DataDir, "deckhand.db"), "secret", TestContext.Current.CancellationToken);
        var hostTmpFile = Path.Combine(Path.GetTempPath(), "deckhand-host-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(hostTmpFile, "host", TestContext.Current.CancellationToken);
        try
        {
            var (exitCode, output, _) = await shell.RunAsync($"ls -A {shell.DataDir}; echo ---; test -e {hostTmpFile} && echo host-tmp-visible; true");

            Assert.Equal(0, exitCode);
            Assert.Equal("---", output);
        }
        finally
        {
            File.Delete(hostTmpFile);
        }
    }

    [Fact]
    public async Task Shell_GetsExactlyTheLaunchEnvironment()
    {
        using var shell = new SandboxedShell();
        Environment.SetEnvironmentVariable("DECKHAND_SERVER_ONLY", "leak");

        var (exitCode, output, _) = await shell.RunAsync("echo \"$FOO|${DECKHAND_SERVER_ONLY:-unset}|$HOME\"",
            new Dictionary<string, string> { ["FOO"] = "bar", ["HOME"] = SandboxedShell.RealHome });

        Assert.Equal(0, exitCode);
        Assert.Equal($"bar|unset|{SandboxedShell.RealHome}", output);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Shell_ReachesAHostListener_OnlyWithNetwork(bool network)
    {
        using var shell = new SandboxedShell(new IsolationOptions { Network = network });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptSocketAsync(TestContext.Current.CancellationToken).AsTask();

        var (exitCode, output, _) = await shell.RunAsync($"(exec 3<>/dev/tcp/127.0.0.1/{port}) && echo connected");

        if (network)
        {
            Assert.Equal(0, exitCode);
            Assert.Equal("connected", output);
            using var socket = await accepted;
        }
        else
        {
            Assert.NotEqual(0, exitCode);
            Assert.Equal("", output);
            Assert.False(accepted.IsCompleted);
        }
    }

    [Fact]
    public async Task Shell_CannotForkBeyondTheProcessLimit()
    {
        using var shell = new SandboxedShell(new IsolationOptions { MaxProcesses = 20 });
        Assert.True(((BubblewrapIsolation)shell.Isolation).UsesPidsCgroup || !Environment.IsPrivilegedProcess,
            "The process limit cannot be enforced here: running as root without a writable pids cgroup (RLIMIT_NPROC does not apply to root).");

        var within = await shell.RunAsync("for i in $(seq 5); do sleep 0.1 & done; wait && echo ok");
        // dash reports a failed fork at once; bash would retry each one for seconds.
        var beyond = await shell.RunAsync("sh -c 'for i in $(seq 200); do sleep 5 & done; echo all-started'");

        Assert.Equal((0, "ok"), (within.ExitCode, within.Output));
        Assert.NotEqual(0, beyond.ExitCode);
        Assert.DoesNotContain("all-started", beyond.Output, StringComparison.Ordinal);
        Assert.Contains("fork", beyond.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Shell_CannotAllocateBeyondTheMemoryLimit()
    {
        using var shell = new SandboxedShell(new IsolationOptions { MemoryLimitMb = 256 });

        // tail keeps the last "line" in memory; /dev/zero has no newline, so tail holds everything it reads.
        var within = await shell.RunAsync("head -c 20M /dev/zero | tail > /dev/null && echo ok");
        var beyond = await shell.RunAsync("head -c 600M /dev/zero | tail > /dev/null && echo ok");

        Assert.Equal((0, "ok"), (within.ExitCode, within.Output));
        Assert.NotEqual(0, beyond.ExitCode);
        Assert.Contains("memory exhausted", beyond.Error, StringComparison.Ordinal);
    }
}
