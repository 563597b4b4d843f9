using System.Globalization;

namespace Deckhand.Engine.Tools.Terminal.Native;

/// <summary>
/// Kills a shell together with everything it started. An interactive shell puts each job in its own process group,
/// so killing the shell's group alone would leave background jobs running; instead we kill every process in the
/// shell's session and every descendant of the shell (which covers jobs that changed session but not those that
/// re-parented themselves away first; isolation with a pid namespace closes that gap).
/// </summary>
internal static class ProcessTree
{
    public static void KillSession(int leader)
    {
        var self = Environment.ProcessId;
        for (var round = 0; round < 20; round++)
        {
            var victims = Find(leader, self);
            if (victims.Count == 0)
                return;
            foreach (var pid in victims)
                Libc.Kill(pid, Libc.SIGKILL);
        }
    }

    /// <summary>
    /// Live (non-zombie) processes whose session id is <paramref name="session"/>. A session id is never reused while
    /// any of its members lives, so this is safe to call after the leader has exited.
    /// </summary>
    public static List<int> SessionMembers(int session)
    {
        var self = Environment.ProcessId;
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != self
                && Stat(pid) is { Session: var s, Zombie: false } && s == session)
                members.Add(pid);
        }
        return members;
    }

    /// <summary>Live (non-zombie) processes in <paramref name="leader"/>'s session or below it.</summary>
    public static List<int> Find(int leader, int self)
    {
        var table = new List<(int Pid, int Parent, int Session, bool Zombie)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            if (Stat(pid) is { } entry)
                table.Add((pid, entry.Parent, entry.Session, entry.Zombie));
        }

        var family = new HashSet<int> { leader };
        bool grew;
        do
        {
            grew = false;
            foreach (var p in table)
            {
                if ((p.Session == leader || family.Contains(p.Parent)) && family.Add(p.Pid))
                    grew = true;
            }
        }
        while (grew);

        var alive = table.Where(p => !p.Zombie).Select(p => p.Pid).ToHashSet();
        return [.. family.Where(p => p != self && alive.Contains(p))];
    }

    private static (int Parent, int Session, bool Zombie)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid pgrp session ..." where comm may hold spaces and parentheses.
        var close = text.LastIndexOf(')');
        if (close < 0)
            return null;
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 4)
            return null;
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture), fields[0] == "Z");
    }
}
