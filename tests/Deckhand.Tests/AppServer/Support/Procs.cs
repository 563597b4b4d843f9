using Deckhand.AppServer.Sandboxes.Processes;

namespace Deckhand.Tests.AppServer.Support;

/// <summary>What <c>ps</c> would show: command lines and states of live processes, read from /proc.</summary>
public static class Procs
{
    /// <summary>pid and space-joined command line of every live process visible to us.</summary>
    public static List<(int Pid, string CommandLine)> CommandLines() =>
        [.. LinuxProcess.All().Where(IsAlive).Select(pid => (pid, string.Join(' ', LinuxProcess.CommandLine(pid))))];

    public static bool IsAlive(int pid) => LinuxProcess.Read(pid) is { Dead: false };

    public static char? State(int pid) => LinuxProcess.Read(pid)?.State;

    /// <summary>NAME=value pairs of a process's environment (readable only by its owner, unlike the command line).</summary>
    public static Dictionary<string, string> Environment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);

    /// <summary>Safety net for tests that run servers as real processes: kills whatever still runs from <paramref name="dir"/>.</summary>
    public static void KillUnder(string dir)
    {
        foreach (var (pid, commandLine) in CommandLines())
        {
            if (pid != System.Environment.ProcessId && commandLine.Contains(dir + "/", StringComparison.Ordinal))
                LinuxProcess.Signal(pid, LinuxProcess.SigKill);
        }
    }

    public static void AssertNowhereOnACommandLine(params string[] secrets)
    {
        foreach (var (pid, commandLine) in CommandLines())
        {
            foreach (var secret in secrets)
                Assert.False(commandLine.Contains(secret, StringComparison.Ordinal), $"pid {pid} shows a secret on its command line: {commandLine}");
        }
    }
}
