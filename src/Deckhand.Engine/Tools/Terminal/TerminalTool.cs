using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools.Terminal;

/// <summary>
/// The <c>terminal</c> tool: one persistent bash per conversation on a real pty. The shell starts on the first call
/// (idle conversations hold no process) and dies with the tool. Calls are serialised; <see cref="DisposeAsync"/> may
/// run concurrently with a call and ends it.
/// </summary>
public sealed class TerminalTool : ITool, IPrewarm, IAsyncDisposable
{
    private readonly ToolContext _context;
    private readonly TerminalOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TerminalSession? _session;
    private volatile bool _disposed;
    private int _prewarming;
    private string _heldBack = "";

    public TerminalTool(ToolContext context, TerminalOptions? options = null)
    {
        _context = context;
        _options = options ?? new TerminalOptions();
        Definition = new ToolDefinition
        {
            Description = Describe(_options),
            ActionType = nameof(TerminalAction),
            ObservationType = nameof(TerminalObservation),
            Annotations = new ToolAnnotations
            {
                Title = "terminal", ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = false, OpenWorldHint = true,
            },
            Kind = "TerminalTool",
            Title = "terminal",
        };
        Parameters = Schema(_options);
    }

    public string Name => "terminal";

    public ToolDefinition Definition { get; }

    public JsonElement Parameters { get; }

    /// <summary>The running shell's pid, or -1 before the first call and after disposal.</summary>
    internal int ShellPid => _session?.Pid ?? -1;

    private string SaveDir => _context.TerminalOutputDir;

    public ToolAction Parse(JsonElement arguments)
    {
        var action = ToolArguments.Read(arguments, DeckhandJson.Wire.TerminalAction);
        if (action.Timeout is { } t && !(t > 0 && double.IsFinite(t)))
            throw new ToolArgumentException("timeout must be a positive number of seconds.");
        return action;
    }

    public async Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken)
    {
        var call = (TerminalAction)action;
        if (call.Reset && call.IsInput)
            throw new ToolArgumentException(TerminalReport.ResetWithInput);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!call.Reset)
                return await RunAsync(call, cancellationToken);

            DropSession();
            var reset = TerminalReport.Build("[RESET]", "", "", TerminalReport.Reset, 0, false, false, null, _options.MaxOutputChars, SaveDir);
            if (call.Command.Trim().Length == 0)
                return reset;
            var after = await RunAsync(call, cancellationToken);
            return after with
            {
                Command = $"[RESET] {call.Command}",
                Content = [new Deckhand.Contracts.Content.TextContent(TerminalReport.Reset + "\n\n" + after.Text())],
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts the shell in the background (the agent calls this while its first LLM request is in flight), so the
    /// first command does not wait for bash to start. A failure here is ignored: the first call starts it again and
    /// reports what went wrong.
    /// </summary>
    public void Prewarm()
    {
        if (_session is not null || _disposed || Interlocked.Exchange(ref _prewarming, 1) == 1)
            return;
        _ = Task.Run(async () =>
        {
            if (!await _gate.WaitAsync(0) && !await _gate.WaitAsync(_options.StartTimeout))
                return;
            try
            {
                if (_session is null && !_disposed)
                    await StartSessionAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or TimeoutException)
            {
            }
            finally
            {
                _gate.Release();
            }
        });
    }

    /// <summary>Starts the shell; the caller holds the gate.</summary>
    private async Task StartSessionAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SaveDir);
        _session = await TerminalSession.StartAsync(
            _context.Isolation, _context.WorkingDir, SaveDir, _options.StartTimeout, _options.Time, cancellationToken);
        if (_disposed)
        {
            DropSession(); // disposed while the shell was starting
            throw new ObjectDisposedException(nameof(TerminalTool));
        }
    }

    private async Task<TerminalObservation> RunAsync(TerminalAction call, CancellationToken cancellationToken)
    {
        var command = call.Command;
        TimeSpan? hard = call.Timeout is { } t ? TimeSpan.FromSeconds(t) : null;
        var blank = command.Trim().Length == 0;

        if (_session is not { IsRunning: true } session)
        {
            if (call.IsInput)
                return TerminalReport.Error(command, TerminalReport.NothingToTypeInto, _session?.LastStatus);
            if (blank)
                return TerminalReport.Error(command, TerminalReport.NothingToWaitFor, _session?.LastStatus);
            if (_session is null)
                await StartSessionAsync(cancellationToken);
            var (exports, problems) = await SecretsForAsync(command, cancellationToken);
            var result = await _session!.RunAsync(command, hard, _options.QuietTimeout, cancellationToken, exports);
            return Report(command, result, "", hard, problems);
        }

        if (call.IsInput && !blank)
        {
            var key = TerminalKeys.Lookup(command);
            session.Type(key ?? command + "\r");
            var typed = await session.WaitAsync(hard, _options.QuietTimeout, cancellationToken);
            return Report(command, typed, TerminalReport.Continued, hard, key is null ? null : TerminalReport.KeySent(command));
        }
        if (blank)
            return Report(command, await session.WaitAsync(hard, _options.QuietTimeout, cancellationToken), TerminalReport.Continued, hard);

        var sofar = await session.WaitAsync(TimeSpan.Zero, _options.QuietTimeout, cancellationToken);
        var refused = Report(command, sofar, TerminalReport.Continued, hard,
            TerminalReport.Refused(command, finishedMeanwhile: sofar.End == WaitEnd.Completed), replaceTimeoutNote: true);
        refused.IsError = true;
        return refused;
    }

    /// <summary>The secrets a command names (exported before it runs), and a note on any that could not be fetched.</summary>
    private async Task<(IReadOnlyList<KeyValuePair<string, string>> Exports, string? Note)> SecretsForAsync(string command,
        CancellationToken cancellationToken)
    {
        if (_context.Secrets is not { } secrets)
            return ([], null);
        var (exports, problems) = await secrets.ExportsForAsync(command, cancellationToken);
        return ([.. exports.Select(e => KeyValuePair.Create(e.Name, e.Value))], problems.Count == 0 ? null : "[" + string.Join(" ", problems) + "]");
    }

    /// <summary>
    /// Masks secret values in output. While the command is still running, an end of the output that could be the
    /// start of a secret is held back and put in front of the next output, so a value printed across two calls is
    /// still masked.
    /// </summary>
    private string MaskOutput(string output, bool stillRunning)
    {
        var text = _heldBack + output;
        _heldBack = "";
        if (_context.Secrets?.Masker is not { IsEmpty: false } masker)
            return text;
        if (stillRunning && masker.PartialTail(text) is > 0 and var keep)
        {
            _heldBack = text[^keep..];
            text = text[..^keep];
        }
        return masker.Apply(text);
    }

    private TerminalObservation Report(
        string command, WaitResult result, string prefix, TimeSpan? hard, string? note = null, bool replaceTimeoutNote = false)
    {
        result = result with { Output = MaskOutput(result.Output, result.End is WaitEnd.QuietTimeout or WaitEnd.HardTimeout) };
        var status = result.Status ?? _session?.LastStatus;
        string suffix;
        int exit;
        var timedOut = false;
        switch (result.End)
        {
            case WaitEnd.Completed:
                exit = result.Status!.ExitCode;
                suffix = note ?? "";
                break;
            case WaitEnd.QuietTimeout or WaitEnd.HardTimeout:
                exit = -1;
                timedOut = !replaceTimeoutNote;
                suffix = replaceTimeoutNote ? note ?? ""
                    : Join(note, result.End == WaitEnd.QuietTimeout ? TerminalReport.Quiet(_options.QuietTimeout) : TerminalReport.HardLimit(hard!.Value));
                break;
            case WaitEnd.ShellExited:
                exit = result.ShellExitCode ?? -1;
                suffix = Join(note, TerminalReport.ShellExited(exit));
                DropSession();
                break;
            default:
                exit = -1;
                suffix = TerminalReport.Closed;
                break;
        }
        var observation = TerminalReport.Build(
            command, result.Output, prefix, suffix, exit, timedOut, result.End == WaitEnd.Closed, status, _options.MaxOutputChars, SaveDir);
        return observation;
    }

    private static string Join(string? first, string second) => first is null ? second : first + "\n" + second;

    private void DropSession()
    {
        _heldBack = "";
        var old = Interlocked.Exchange(ref _session, null);
        old?.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        DropSession();
        return ValueTask.CompletedTask;
    }

    private static string Describe(TerminalOptions options)
    {
        var quiet = (int)options.QuietTimeout.TotalSeconds;
        return $"""
            Run shell commands in this conversation's bash session, a real terminal that stays open between calls.

            Commands
            * State carries over from call to call: working directory, environment variables, shell functions and an
              activated virtualenv all persist.
            * Run one command per call; join steps with `&&` or `;`. Multi-line scripts and here-documents work.
            * Each result ends with the working directory and the exit code.
            * Do not put `set -e` (or `set -euo pipefail`) at the top level: the first failing command would end the
              shell and lose its state. Use it inside `bash -c '...'` or a script instead.

            Long-running and interactive commands
            * If a command prints nothing new for {quiet} seconds you get control back while it keeps running, with exit
              code -1. Then call again with an empty command to keep waiting, with is_input=true and `C-c` to stop it,
              or with is_input=true and your answer when it is waiting for input.
            * For installs, builds and test suites, set `timeout` to the seconds they may need: it replaces the
              no-output check with a fixed limit.
            * Start servers and other programs that never finish in the background with their output in a file, e.g.
              `python app.py > server.log 2>&1 &`.
            * While a command is still running, a new command is not run: wait for it, answer it or interrupt it first.
            * Prefer non-interactive flags (`-y`, `--no-pager`, `--quiet`); pagers are already turned off.

            Output
            * Colours and other escape sequences are removed. Output longer than about {options.MaxOutputChars:N0}
              characters is cut in the middle; the complete text is saved to a file whose path is given in the output.
            * Redirect very large output to a file and search it with grep, head or tail.

            Reset
            * `reset=true` replaces the shell with a fresh one and kills everything it was running, background jobs
              included. Use it only when the terminal no longer responds; all session state is lost.
            """;
    }

    private static JsonElement Schema(TerminalOptions options)
    {
        var quiet = (int)options.QuietTimeout.TotalSeconds;
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["command"] = Property("string",
                    "The shell command to run. With is_input=true: text to type into the running program (Enter is added), or a "
                    + "key name: `C-c`, `C-d`, `C-z` or any `C-<letter>`; `UP`, `DOWN`, `LEFT`, `RIGHT`, `HOME`, `END`, `PGUP`, "
                    + "`PGDN`, `TAB`, `ESC`, `BS` (backspace), `ENTER`. Leave it empty to keep waiting for a command that "
                    + "returned exit code -1. One command at a time; chain steps with && or ;."),
                ["is_input"] = Property("boolean",
                    "true to send `command` to the program that is still running (an answer to its prompt, or a key such as "
                    + "C-c) instead of running it as a new command. Default false."),
                ["timeout"] = Property("number",
                    "Hard limit in seconds for this call. When it passes you get control back (exit code -1) while the command "
                    + $"keeps running. Without it, control comes back once the command has printed nothing new for {quiet} "
                    + "seconds. Set it for long installs, builds and test runs, or commands of known duration such as sleep."),
                ["reset"] = Property("boolean",
                    "true to replace the shell with a fresh one, killing every process it started (background jobs "
                    + "included). All session state (directory, variables, functions) is lost. Only for a terminal that no "
                    + "longer responds. Cannot be combined with is_input=true."),
            },
            ["required"] = new JsonArray("command"),
        };
        return ToolSchema.Parse(schema.ToJsonString());
    }

    private static JsonObject Property(string type, string description) =>
        new() { ["type"] = type, ["description"] = description };
}
