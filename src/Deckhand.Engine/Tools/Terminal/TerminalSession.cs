using System.Text;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Tools.Terminal.Native;

namespace Deckhand.Engine.Tools.Terminal;

/// <summary>How waiting for a command ended.</summary>
internal enum WaitEnd { Completed, QuietTimeout, HardTimeout, ShellExited, Closed }

/// <summary>The output gathered by one wait, and why it stopped.</summary>
internal sealed record WaitResult(WaitEnd End, string Output, ShellStatus? Status, int? ShellExitCode);

/// <summary>
/// One persistent interactive bash on a pty (see <see cref="ShellProtocol"/> for the wire protocol). Not thread-safe
/// for callers: <see cref="TerminalTool"/> runs one call at a time. The pty reader thread only appends output under
/// <c>_lock</c> and signals <c>_changed</c>.
/// </summary>
internal sealed class TerminalSession : IDisposable
{
    private static readonly TimeSpan DeathPoll = TimeSpan.FromMilliseconds(200);
    private static readonly string[] HiddenVariablePrefixes = ["DECKHAND_", "OH_SESSION_API_KEYS_"];
    private static readonly string[] HiddenVariables = ["SESSION_API_KEY", "LLM_API_KEY"];

    private readonly Lock _lock = new();
    private readonly StringBuilder _text = new();
    private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
    private readonly char[] _chars = new char[64 * 1024 + 8];
    private readonly SemaphoreSlim _changed = new(0);
    private readonly ShellProtocol _protocol = new();
    private readonly TimeProvider _time;
    private PtyProcess? _pty;
    private long _lastOutput;
    private int _scanFrom;
    private int _contentStart = -1;
    private int _contentEnd = -1;
    private int _consumed;
    private ShellStatus? _finished;
    private volatile bool _closed;

    private TerminalSession(TimeProvider time) => _time = time;

    /// <summary>The shell's process id (the session leader).</summary>
    public int Pid => _pty?.Pid ?? -1;

    /// <summary>True between sending a command and seeing its end marker.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>What the shell last reported (working directory, user, python...).</summary>
    public ShellStatus? LastStatus { get; private set; }

    /// <summary>Starts the shell through <paramref name="isolation"/> and waits until it has run the setup line.</summary>
    /// <param name="readableDir">Must stay readable from the shell under isolation (where full outputs are saved).</param>
    public static async Task<TerminalSession> StartAsync(
        IShellIsolation isolation, string workspace, string readableDir, TimeSpan startTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        // --noediting: bash reads plain lines, so nothing is echoed or redrawn (no readline, hence no bracketed
        // paste to turn off); --norc/--noprofile: the session is the same whatever dotfiles the machine has.
        var plain = new ShellLaunch
        {
            FileName = "bash",
            Arguments = ["--noprofile", "--norc", "--noediting", "-i"],
            Environment = Environment(),
            WorkingDirectory = workspace,
            ReadOnlyPaths = [readableDir],
        };
        var session = new TerminalSession(time);
        try
        {
            session._pty = PtyProcess.Start(isolation.Wrap(plain, workspace), columns: 250, rows: 50, session.OnData);
            var result = await session.SendAsync(session._protocol.Setup(), null, startTimeout, cancellationToken);
            if (result.End != WaitEnd.Completed)
                throw new IOException($"The shell did not start ({result.End}): {result.Output}");
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The server's environment minus its own secrets, plus settings that keep programs from paging or prompting.</summary>
    private static Dictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)e.Key;
            if (HiddenVariables.Contains(name) || HiddenVariablePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                continue;
            env[name] = (string?)e.Value ?? "";
        }
        env["TERM"] = "xterm-256color";
        env["PS1"] = "";
        env["PS2"] = "";
        env["GIT_TERMINAL_PROMPT"] = "0";
        env["DEBIAN_FRONTEND"] = "noninteractive";
        env["PAGER"] = "cat";
        env["GIT_PAGER"] = "cat";
        env["SYSTEMD_PAGER"] = "";
        env["MANPAGER"] = "cat";
        env["LESS"] = "-FRX";
        env["PIP_PROGRESS_BAR"] = "off";
        env.Remove("PROMPT_COMMAND");
        return env;
    }

    /// <summary>Runs a command, after exporting <paramref name="exports"/>, and waits for it (see <see cref="WaitAsync"/>).</summary>
    public Task<WaitResult> RunAsync(string command, TimeSpan? hardLimit, TimeSpan quietLimit, CancellationToken cancellationToken,
        IReadOnlyList<KeyValuePair<string, string>>? exports = null) =>
        SendAsync(_protocol.Wrap(command, exports), hardLimit, quietLimit, cancellationToken);

    private async Task<WaitResult> SendAsync(string lines, TimeSpan? hardLimit, TimeSpan quietLimit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _text.Clear();
            _scanFrom = 0;
            _contentStart = -1;
            _contentEnd = -1;
            _consumed = 0;
            _finished = null;
            IsRunning = true;
        }
        Pty.Write(Encoding.UTF8.GetBytes(lines), TimeSpan.FromSeconds(10));
        return await WaitAsync(hardLimit, quietLimit, cancellationToken);
    }

    /// <summary>Types raw input (text or key bytes) into whatever is running.</summary>
    public void Type(string input) => Pty.Write(Encoding.UTF8.GetBytes(input), TimeSpan.FromSeconds(5));

    /// <summary>
    /// Waits until the running command finishes, the shell exits, <paramref name="hardLimit"/> passes, or (without a
    /// hard limit) nothing new is printed for <paramref name="quietLimit"/>. Returns the cleaned-up output not yet
    /// returned by an earlier wait.
    /// </summary>
    public async Task<WaitResult> WaitAsync(TimeSpan? hardLimit, TimeSpan quietLimit, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        while (true)
        {
            if (_closed)
                return new WaitResult(WaitEnd.Closed, Take(), null, null);
            ShellStatus? finished;
            lock (_lock)
                finished = _finished;
            if (finished is not null)
            {
                IsRunning = false;
                LastStatus = finished;
                return new WaitResult(WaitEnd.Completed, Take(), finished, null);
            }
            if (Pty.ExitCode is { } code)
            {
                Pty.StopReadingAndDrain();
                IsRunning = false;
                return new WaitResult(WaitEnd.ShellExited, Take(), null, code);
            }

            var now = _time.GetTimestamp();
            TimeSpan left;
            WaitEnd ending;
            if (hardLimit is { } hard)
            {
                left = hard - _time.GetElapsedTime(start, now);
                ending = WaitEnd.HardTimeout;
            }
            else
            {
                var quietSince = Math.Max(start, Interlocked.Read(ref _lastOutput));
                left = quietLimit - _time.GetElapsedTime(quietSince, now);
                ending = WaitEnd.QuietTimeout;
            }
            if (left <= TimeSpan.Zero)
                return new WaitResult(ending, Take(), null, null);
            await _changed.WaitAsync(left < DeathPoll ? left : DeathPoll, cancellationToken);
        }
    }

    private PtyProcess Pty => _pty ?? throw new ObjectDisposedException(nameof(TerminalSession));

    /// <summary>The output since the last call, up to the end marker (or what is safe to show while still running).</summary>
    private string Take()
    {
        lock (_lock)
        {
            if (_contentStart < 0)
                return "";
            var end = _contentEnd >= 0 ? _contentEnd : SafeEnd();
            var from = _contentStart + _consumed;
            if (end <= from)
                return "";
            var raw = _text.ToString(from, end - from);
            _consumed = end - _contentStart;
            return TerminalText.Clean(raw);
        }
    }

    /// <summary>While running, hold back a trailing partial line that might be the start of the end marker.</summary>
    private int SafeEnd()
    {
        var length = _text.Length;
        var window = Math.Min(length - _contentStart, _protocol.End.Length + 2);
        for (var i = length - window; i < length; i++)
        {
            if (_text[i] != '\n')
                continue;
            var rest = _text.ToString(i + 1, length - i - 1);
            if (_protocol.End.StartsWith(rest, StringComparison.Ordinal))
                return i > _contentStart && _text[i - 1] == '\r' ? i - 1 : i;
        }
        return length;
    }

    // Runs on the pty reader thread.
    private void OnData(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            var count = _decoder.GetChars(data, _chars, flush: false);
            _text.Append(_chars, 0, count);
            Interlocked.Exchange(ref _lastOutput, _time.GetTimestamp());
            Scan();
        }
        if (_changed.CurrentCount == 0)
            _changed.Release();
    }

    private void Scan()
    {
        var overlap = _protocol.End.Length + 2;
        var from = Math.Max(0, _scanFrom - overlap);
        if (_contentStart < 0)
        {
            var window = _text.ToString(from, _text.Length - from);
            var begin = window.IndexOf(_protocol.Begin, StringComparison.Ordinal);
            if (begin < 0)
            {
                _scanFrom = _text.Length;
                return;
            }
            var newline = window.IndexOf('\n', begin);
            if (newline < 0)
                return; // wait for the rest of the begin line
            _contentStart = from + newline + 1;
            from = _contentStart;
        }
        if (_finished is null)
        {
            from = Math.Max(from, _contentStart);
            var window = _text.ToString(from, _text.Length - from);
            var end = window.IndexOf(_protocol.End, StringComparison.Ordinal);
            if (end >= 0)
            {
                var close = window.IndexOf(_protocol.Close, end, StringComparison.Ordinal);
                if (close < 0)
                    return; // marker block still arriving
                var at = from + end;
                _contentEnd = at >= _contentStart + 2 && _text[at - 1] == '\n' && _text[at - 2] == '\r' ? at - 2
                    : at > _contentStart && _text[at - 1] == '\n' ? at - 1 : at;
                var block = window[(end + _protocol.End.Length)..close];
                _finished = ShellProtocol.ParseStatus(block) ?? new ShellStatus(-1, -1, "", "", "", null);
            }
        }
        _scanFrom = _text.Length;
    }

    public void Dispose()
    {
        _closed = true;
        _pty?.Dispose();
        if (_changed.CurrentCount == 0)
            _changed.Release();
    }
}
