using System.Text.Json;
using Deckhand.Engine.Tools;

namespace Deckhand.Engine.Tests.Tools.Terminal;

public sealed class TerminalToolTests : IAsyncDisposable
{
    private readonly TerminalFixture _t = new();

    public ValueTask DisposeAsync() => _t.DisposeAsync();

    [Fact]
    public async Task State_PersistsAcrossCalls()
    {
        Assert.Equal(0, (await _t.RunAsync("mkdir -p sub/venv/bin && cd sub")).ExitCode);
        await _t.RunAsync("export GREETING=hello; greet() { echo \"$GREETING $1\"; }");
        await _t.RunAsync("printf '#!/bin/sh\\necho fake-python\\n' > venv/bin/python && chmod +x venv/bin/python");
        await _t.RunAsync("export PATH=\"$PWD/venv/bin:$PATH\"");

        var result = await _t.RunAsync("pwd\ngreet world\npython");

        Assert.Equal(0, result.ExitCode);
        var expectedDir = Path.Combine(_t.Workspace, "sub");
        Assert.StartsWith($"{expectedDir}\nhello world\nfake-python\n", result.Text());
        Assert.Equal(expectedDir, result.Metadata.WorkingDir);
        Assert.Equal(Path.Combine(expectedDir, "venv", "bin", "python"), result.Metadata.PyInterpreterPath);
    }

    [Fact]
    public async Task ExitCodeAndWorkingDirectory_AreRightAfterCdAndFalse()
    {
        var cd = await _t.RunAsync("cd /tmp");
        Assert.Equal(0, cd.ExitCode);
        Assert.Equal(0, cd.Metadata.ExitCode);
        Assert.Equal("/tmp", cd.Metadata.WorkingDir);
        Assert.Contains("[Current working directory: /tmp]", cd.Text());
        Assert.Contains("[Exit code: 0]", cd.Text());

        var failed = await _t.RunAsync("false");
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal("/tmp", failed.Metadata.WorkingDir);
        Assert.False(failed.Timeout);

        Assert.StartsWith("1\n", (await _t.RunAsync("echo $?")).Text());
    }

    [Fact]
    public async Task Errexit_FailingCommandEndsTheShell_AndTheNextCommandGetsAFreshOne()
    {
        Assert.Equal(0, (await _t.RunAsync("set -euo pipefail; cd /tmp")).ExitCode);
        var firstShell = _t.Tool.ShellPid;

        var failed = await _t.RunAsync("false");

        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("shell itself exited", failed.Text());
        Assert.False(TerminalFixture.Alive(firstShell));
        var next = await _t.RunAsync("echo alive; echo $-");
        Assert.Equal(0, next.ExitCode);
        Assert.StartsWith("alive\n", next.Text());
        Assert.DoesNotContain("e", next.Text().Split('\n')[1]); // errexit is gone with the old shell
        Assert.Equal(_t.Workspace, next.Metadata.WorkingDir);
    }

    [Fact]
    public async Task LongSleep_HitsQuietTimeout_ThenCtrlCInterruptsIt_WithExitCode130()
    {
        var waiting = await _t.RunAsync("echo started; sleep 300");

        Assert.Equal(-1, waiting.ExitCode);
        Assert.True(waiting.Timeout);
        Assert.StartsWith("started\n", waiting.Text());
        Assert.Contains("C-c", waiting.Metadata.Suffix);
        Assert.Contains("empty command", waiting.Metadata.Suffix);

        var refused = await _t.RunAsync("echo second");
        Assert.True(refused.IsError);
        Assert.Contains("Not run: \"echo second\"", refused.Text());
        Assert.DoesNotContain("second\n", refused.Text().Replace("\"echo second\"", "", StringComparison.Ordinal));

        var stillWaiting = await _t.RunAsync("");
        Assert.Equal(-1, stillWaiting.ExitCode);

        var interrupted = await _t.RunAsync("C-c", isInput: true);
        Assert.Equal(130, interrupted.ExitCode);
        Assert.StartsWith("130\n", (await _t.RunAsync("echo $?")).Text());
    }

    [Fact]
    public async Task ExplicitTimeout_IsAHardLimit_AndTheCommandKeepsRunning()
    {
        var result = await _t.RunAsync("while true; do echo tick; sleep 0.1; done", timeout: 0.8);

        Assert.Equal(-1, result.ExitCode);
        Assert.True(result.Timeout);
        Assert.Contains("0.8-second timeout", result.Metadata.Suffix);
        Assert.Contains("tick", result.Text());

        var more = await _t.RunAsync("", timeout: 0.5);
        Assert.Contains("tick", more.Text());
        Assert.Equal(-1, more.ExitCode);

        // Bounded: the loop prints forever, so a lost keypress must fail the test, not hang it. Under heavy load the
        // interrupt can land while bash itself is between loop commands; a second C-c then ends the loop.
        var stopped = await _t.RunAsync("C-c", isInput: true, timeout: 10);
        if (stopped.ExitCode != 130)
            stopped = await _t.RunAsync("C-c", isInput: true, timeout: 10);
        Assert.Equal(130, stopped.ExitCode);
    }

    [Fact]
    public async Task ReadPrompt_IsAnsweredThroughIsInput()
    {
        var asking = await _t.RunAsync("read -p \"Name? \" n; echo \"hi $n\"");
        Assert.Equal(-1, asking.ExitCode);
        Assert.StartsWith("Name?", asking.Text());

        var answered = await _t.RunAsync("bob", isInput: true);

        Assert.Equal(0, answered.ExitCode);
        Assert.Contains("hi bob", answered.Text());
    }

    [Fact]
    public async Task TenMegabytesOfOutput_IsTruncatedWithAMarker_AndSavedInFull()
    {
        var result = await _t.RunAsync("head -c 10000000 /dev/zero | tr '\\0' 'a'", timeout: 60);

        Assert.Equal(0, result.ExitCode);
        var text = result.Text();
        Assert.True(text.Length <= 30_000, $"{text.Length} characters");
        Assert.Contains("characters cut from the middle", text);
        var saveDir = Path.Combine(_t.DataDir, "terminal");
        Assert.Equal(saveDir, result.FullOutputSaveDir);
        var file = Assert.Single(Directory.GetFiles(saveDir));
        Assert.Contains(file, text);
        var saved = File.ReadAllText(file);
        Assert.Equal(10_000_000, saved.Length);
        Assert.True(saved.All(c => c == 'a'));
    }

    [Fact]
    public async Task Reset_KillsBackgroundJobs_AndRunsTheCommandInAFreshShell()
    {
        await _t.RunAsync("export MARK=old");
        var started = await _t.RunAsync("sleep 1000 & echo $!");
        var pid = int.Parse(started.Text().Split('\n').Last(l => l.Length > 0 && char.IsDigit(l[0])).Trim());
        Assert.Equal(pid, started.Metadata.Pid);
        Assert.True(TerminalFixture.Alive(pid));

        var reset = await _t.RunAsync("echo \"mark=${MARK:-none}\"", reset: true);

        Assert.True(TerminalFixture.Eventually(() => !TerminalFixture.Alive(pid)), $"background job {pid} survived the reset");
        Assert.Equal("[RESET] echo \"mark=${MARK:-none}\"", reset.Command);
        Assert.Contains("Terminal reset", reset.Text());
        Assert.Contains("mark=none", reset.Text());
        Assert.Equal(0, reset.ExitCode);
    }

    [Fact]
    public async Task InvalidUtf8AndEscapeCodes_ComeBackClean()
    {
        var result = await _t.RunAsync("printf '\\xff\\xfe ok\\n'; printf '\\e[31mred\\e[0m \\e]0;title\\a\\e[1;32mgreen\\e[0m\\n'; printf 'bar 10%%\\rbar 100%%\\n'");

        var text = result.Text();
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain('\x1b', text);
        Assert.DoesNotContain('\r', text);
        Assert.Contains("\uFFFD\uFFFD ok\nred green\nbar 100%\n", text);
        Assert.True(text.All(c => c == '\n' || !char.IsControl(c)));
        Assert.DoesNotContain(text, char.IsSurrogate);
    }

    [Fact]
    public async Task PromptChangesAndSyntaxErrors_DoNotBreakCompletionDetection()
    {
        await _t.RunAsync("PS1='\\[\\e[32m\\]custom$ '; PROMPT_COMMAND='echo hijacked'");
        var unterminated = await _t.RunAsync("echo 'oops");
        Assert.Equal(2, unterminated.ExitCode);

        var result = await _t.RunAsync("cat <<'EOF'\nline one\n  $HOME stays literal\nEOF");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("line one\n  $HOME stays literal\n[Current working directory:", result.Text());
    }

    [Fact]
    public async Task Dispose_KillsTheShellAndItsJobs()
    {
        var started = await _t.RunAsync("sleep 1000 & echo $!");
        var job = started.Metadata.Pid;
        var shell = _t.Tool.ShellPid;
        Assert.True(TerminalFixture.Alive(shell));

        await _t.Tool.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{shell}"), "the shell was not reaped");
        Assert.True(TerminalFixture.Eventually(() => !TerminalFixture.Alive(job)), $"job {job} survived");
    }

    [Fact]
    public async Task ShellStartsLazily_AndInputOrWaitWithNothingRunning_AreErrors()
    {
        Assert.Equal(-1, _t.Tool.ShellPid);

        var wait = await _t.RunAsync("");
        var input = await _t.RunAsync("y", isInput: true);

        Assert.True(wait.IsError);
        Assert.Contains("No command is running", wait.Text());
        Assert.True(input.IsError);
        Assert.Contains("nothing to send input to", input.Text());
        await Assert.ThrowsAsync<ToolArgumentException>(() => _t.RunAsync("ls", isInput: true, reset: true));
        Assert.Throws<ToolArgumentException>(() => _t.Tool.Parse(JsonSerializer.SerializeToElement(new { command = "ls", timeout = -1 })));
    }

    [Fact]
    public void Schema_HasOpenHandsParameterNamesAndTypes()
    {
        var properties = _t.Tool.Parameters.GetProperty("properties");
        Assert.Equal(["command", "is_input", "timeout", "reset"], properties.EnumerateObject().Select(p => p.Name));
        Assert.Equal("string", properties.GetProperty("command").GetProperty("type").GetString());
        Assert.Equal("boolean", properties.GetProperty("is_input").GetProperty("type").GetString());
        Assert.Equal("number", properties.GetProperty("timeout").GetProperty("type").GetString());
        Assert.Equal("boolean", properties.GetProperty("reset").GetProperty("type").GetString());
        Assert.Equal(["command"], _t.Tool.Parameters.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("TerminalTool", _t.Tool.Definition.Kind);
        Assert.True(_t.Tool.Definition.Annotations is { DestructiveHint: true, OpenWorldHint: true, ReadOnlyHint: false, IdempotentHint: false });
    }
}
