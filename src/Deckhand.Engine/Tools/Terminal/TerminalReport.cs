using System.Globalization;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools.Terminal;

/// <summary>The notes the terminal adds for the model, and how an observation's text is put together.</summary>
internal static class TerminalReport
{
    public const string Continued = "[Output of the command that was already running, continuing from where the last call stopped:]\n";

    private const string HowToContinue =
        "To keep waiting, call the terminal again with an empty command. To stop it, send `C-c` with is_input=true. "
        + "If it is waiting for input (a prompt or a question), send your answer with is_input=true. For commands that "
        + "need longer, pass a larger `timeout`.";

    public static string Quiet(TimeSpan quiet) =>
        $"[No new output for {Seconds(quiet)} seconds; the command is still running (exit code -1). {HowToContinue}]";

    public static string HardLimit(TimeSpan limit) =>
        $"[Stopped waiting after the {Seconds(limit)}-second timeout; the command is still running (exit code -1). {HowToContinue}]";

    public static string Refused(string command, bool finishedMeanwhile) => finishedMeanwhile
        ? $"[Not run: \"{command}\". The previous command was still running when this call arrived; it has finished now (its output is above). Send your command again.]"
        : $"[Not run: \"{command}\". The previous command is still running, and only one command can run at a time. {HowToContinue}]";

    public static string ShellExited(int code) =>
        $"[The shell itself exited (status {code}), for example because of `exit` or a failure under `set -e`. Its working "
        + "directory, variables and functions are gone; your next command runs in a fresh shell.]";

    public const string Closed = "[The terminal was closed while the command ran.]";

    public const string Reset =
        "[Terminal reset: the old shell and every process it started (background jobs included) were killed, and a "
        + "fresh shell took its place. Working directory, variables and functions are back to their defaults.]";

    public const string NothingToWaitFor =
        "No command is running, so there is no further output to wait for. Send a command to run.";

    public const string NothingToTypeInto =
        "No command is running, so there is nothing to send input to. Run it as a command instead (is_input=false).";

    public const string ResetWithInput =
        "reset=true cannot be combined with is_input=true: a reset starts a new shell, so there is no program to send input to.";

    public static string KeySent(string key) => $"[Sent {key.Trim()} to the running program.]";

    /// <summary>
    /// Builds the observation. The model reads prefix + output + suffix, then the working directory, python and
    /// exit-code lines; only the output is cut to fit <paramref name="maxChars"/>, so the notes always survive.
    /// </summary>
    public static TerminalObservation Build(
        string? command, string output, string prefix, string suffix, int exitCode, bool timedOut, bool isError,
        ShellStatus? status, int maxChars, string saveDir)
    {
        var trailer = "";
        if (status is { WorkingDir.Length: > 0 })
            trailer += $"\n[Current working directory: {status.WorkingDir}]";
        if (status?.Python is { } python)
            trailer += $"\n[Python interpreter: {python}]";
        if (exitCode != -1)
            trailer += $"\n[Exit code: {exitCode}]";

        output = output.TrimEnd('\n');
        if (prefix.Length > 0 && output.Length == 0)
            prefix = "";
        if (suffix.Length > 0 && (prefix.Length > 0 || output.Length > 0))
            suffix = "\n" + suffix;
        var budget = Math.Max(maxChars - prefix.Length - suffix.Length - trailer.Length, 1000);
        var shown = TerminalText.Truncate(output, budget, saveDir, out var savedTo);
        var text = (prefix + shown + suffix + trailer).TrimStart('\n');

        return new TerminalObservation
        {
            Content = [new TextContent(text)],
            IsError = isError,
            Command = command,
            ExitCode = exitCode,
            Timeout = timedOut,
            FullOutputSaveDir = savedTo,
            Metadata = new TerminalMetadata
            {
                ExitCode = exitCode,
                Pid = status?.LastBackgroundPid ?? -1,
                Username = status?.User,
                Hostname = status?.Host,
                WorkingDir = status?.WorkingDir,
                PyInterpreterPath = status?.Python,
                Prefix = prefix,
                Suffix = suffix,
            },
        };
    }

    /// <summary>An error the model can act on, with nothing run.</summary>
    public static TerminalObservation Error(string? command, string message, ShellStatus? status) => new()
    {
        Content = [new TextContent(message)],
        IsError = true,
        Command = command,
        ExitCode = -1,
        Metadata = new TerminalMetadata { WorkingDir = status?.WorkingDir, Username = status?.User, Hostname = status?.Host },
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
