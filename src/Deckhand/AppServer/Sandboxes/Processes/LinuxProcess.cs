using System.Globalization;
using System.Runtime.InteropServices;

namespace Deckhand.AppServer.Sandboxes.Processes;

/// <summary>What <c>/proc</c> says about a process, and signals by pid. Linux only, like the process provider.</summary>
internal static class LinuxProcess
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    /// <summary>State letter (<c>R</c>, <c>S</c>, <c>T</c> stopped, <c>Z</c> zombie...), and the start time in clock ticks since boot.</summary>
    public readonly record struct Stat(char State, int Parent, int Session, long StartTime)
    {
        public bool Dead => State is 'Z' or 'X' or 'x';
        public bool Stopped => State is 'T' or 't';
    }

    public static Stat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        // priority nice num_threads itrealvalue starttime ...": comm may hold spaces and parentheses.
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
            return null;
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20)
            return null;
        return new Stat(fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    /// <summary>True when <paramref name="pid"/> is still the very process that started at <paramref name="startTime"/> (not a reused pid).</summary>
    public static bool IsAlive(int pid, long startTime) => Read(pid) is { Dead: false } stat && stat.StartTime == startTime;

    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public static IEnumerable<int> All()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                yield return pid;
        }
    }

    public static void Signal(int pid, int signal)
    {
        if (pid > 1)
            _ = Kill(pid, signal);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
