using System.Runtime.InteropServices;
using Deckhand.Engine.Isolation;

namespace Deckhand.Engine.Tools.Terminal.Native;

/// <summary>
/// A process started as session leader on a fresh pseudo-terminal. A dedicated reader thread hands every chunk the
/// process writes to <c>onData</c> (on that thread). Disposing kills the process and everything left in its session,
/// then reaps it.
/// </summary>
/// <remarks>
/// Started with posix_spawn (fork is not safe in a multi-threaded .NET process): POSIX_SPAWN_SETSID makes the child
/// a session leader, and opening the slave by path afterwards (a file action) makes the pty its controlling
/// terminal, so job control and C-c work. Signal dispositions and the mask are reset because .NET ignores SIGPIPE,
/// which children would otherwise inherit. We keep our own slave fd open for the lifetime of the process so the
/// master never reports hang-up early; exit is detected with waitpid.
/// </remarks>
internal sealed unsafe class PtyProcess : IDisposable
{
    private readonly int _master;
    private readonly int _slave;
    private readonly int _wakeRead;
    private readonly int _wakeWrite;
    private readonly Action<ReadOnlySpan<byte>> _onData;
    private readonly Thread _reader;
    private readonly Lock _gate = new();
    private int? _exitCode;
    private bool _disposed;

    public int Pid { get; }

    private PtyProcess(int master, int slave, int wakeRead, int wakeWrite, int pid, Action<ReadOnlySpan<byte>> onData)
    {
        (_master, _slave, _wakeRead, _wakeWrite, Pid, _onData) = (master, slave, wakeRead, wakeWrite, pid, onData);
        _reader = new Thread(ReadLoop, 256 * 1024) { IsBackground = true, Name = $"pty-{pid}" };
        _reader.Start();
    }

    public static PtyProcess Start(ShellLaunch launch, ushort columns, ushort rows, Action<ReadOnlySpan<byte>> onData)
    {
        var master = Libc.PosixOpenpt(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
        if (master < 0)
            throw Failure("posix_openpt");
        int slave = -1;
        var wake = stackalloc int[2] { -1, -1 };
        try
        {
            if (Libc.Grantpt(master) != 0 || Libc.Unlockpt(master) != 0)
                throw Failure("grantpt/unlockpt");
            var name = stackalloc byte[256];
            var rc = Libc.PtsnameR(master, name, 256);
            if (rc != 0)
                throw new IOException($"ptsname_r failed (errno {rc}).");

            slave = Libc.Open(name, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
            if (slave < 0)
                throw Failure("open slave");
            DisableEcho(slave);
            var size = new Libc.WinSize { Cols = columns, Rows = rows };
            if (Libc.Ioctl(master, Libc.TIOCSWINSZ, &size) != 0)
                throw Failure("ioctl(TIOCSWINSZ)");
            var flags = Libc.Fcntl(master, Libc.F_GETFL, 0);
            if (flags < 0 || Libc.Fcntl(master, Libc.F_SETFL, flags | Libc.O_NONBLOCK) != 0)
                throw Failure("fcntl(O_NONBLOCK)");
            if (Libc.Pipe2(wake, Libc.O_CLOEXEC | Libc.O_NONBLOCK) != 0)
                throw Failure("pipe2");

            var pid = Spawn(launch, name);
            return new PtyProcess(master, slave, wake[0], wake[1], pid, onData);
        }
        catch
        {
            foreach (var fd in new[] { master, slave, wake[0], wake[1] })
            {
                if (fd >= 0)
                    Libc.Close(fd);
            }
            throw;
        }
    }

    /// <summary>Echo off: what we type into the shell is not repeated back into the output the model reads.</summary>
    private static void DisableEcho(int fd)
    {
        var termios = stackalloc byte[Libc.OpaqueSize];
        if (Libc.Tcgetattr(fd, termios) != 0)
            throw Failure("tcgetattr");
        var lflag = (uint*)(termios + Libc.TermiosLflagOffset);
        *lflag &= ~Libc.ECHO;
        if (Libc.Tcsetattr(fd, Libc.TCSANOW, termios) != 0)
            throw Failure("tcsetattr");
    }

    private static int Spawn(ShellLaunch launch, byte* slaveName)
    {
        var actions = (byte*)NativeMemory.AllocZeroed(Libc.OpaqueSize);
        var attributes = (byte*)NativeMemory.AllocZeroed(Libc.OpaqueSize);
        var signals = (byte*)NativeMemory.AllocZeroed(Libc.OpaqueSize);
        var strings = new List<nint>();
        try
        {
            Libc.FileActionsInit(actions);
            Libc.SpawnAttrInit(attributes);
            Check(Libc.FileActionsAddOpen(actions, 0, slaveName, Libc.O_RDWR, 0), "addopen");
            Check(Libc.FileActionsAddDup2(actions, 0, 1), "adddup2");
            Check(Libc.FileActionsAddDup2(actions, 0, 2), "adddup2");
            Check(Libc.FileActionsAddChdir(actions, Utf8(launch.WorkingDirectory, strings)), "addchdir");
            Check(Libc.SpawnAttrSetFlags(attributes,
                Libc.POSIX_SPAWN_SETSID | Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK), "setflags");
            Libc.Sigfillset(signals);
            Check(Libc.SpawnAttrSetSigDefault(attributes, signals), "setsigdefault");
            Libc.Sigemptyset(signals);
            Check(Libc.SpawnAttrSetSigMask(attributes, signals), "setsigmask");

            var argv = Vector([launch.FileName, .. launch.Arguments], strings);
            var envp = Vector([.. launch.Environment.Select(kv => $"{kv.Key}={kv.Value}")], strings);
            int pid;
            var rc = Libc.PosixSpawnp(&pid, argv[0], actions, attributes, argv, envp);
            if (rc != 0)
                throw new IOException($"Could not start '{launch.FileName}' in '{launch.WorkingDirectory}': {Marshal.GetPInvokeErrorMessage(rc)}.");
            return pid;
        }
        finally
        {
            Libc.FileActionsDestroy(actions);
            Libc.SpawnAttrDestroy(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(signals);
            foreach (var s in strings)
                Marshal.FreeCoTaskMem(s);
        }
    }

    private static byte** Vector(string[] items, List<nint> owned)
    {
        var vector = (byte**)Marshal.AllocCoTaskMem((items.Length + 1) * sizeof(nint));
        owned.Add((nint)vector);
        for (var i = 0; i < items.Length; i++)
            vector[i] = Utf8(items[i], owned);
        vector[items.Length] = null;
        return vector;
    }

    private static byte* Utf8(string value, List<nint> owned)
    {
        var p = Marshal.StringToCoTaskMemUTF8(value);
        owned.Add(p);
        return (byte*)p;
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
            throw new IOException($"posix_spawn {what} failed: {Marshal.GetPInvokeErrorMessage(rc)}.");
    }

    private static IOException Failure(string what) =>
        new($"{what} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");

    /// <summary>Writes all of <paramref name="data"/>, waiting while the pty's input queue is full, up to a deadline.</summary>
    public void Write(ReadOnlySpan<byte> data, TimeSpan limit)
    {
        var deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        fixed (byte* start = data)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                var n = Libc.Write(_master, start + offset, data.Length - offset);
                if (n > 0)
                {
                    offset += (int)n;
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno != Libc.EAGAIN && errno != Libc.EINTR)
                    throw new IOException($"Writing to the terminal failed: {Marshal.GetPInvokeErrorMessage(errno)}.");
                var left = deadline - Environment.TickCount64;
                if (left <= 0)
                    throw new IOException("The terminal did not accept input: the running program is not reading it.");
                var fd = new Libc.PollFd { Fd = _master, Events = Libc.POLLOUT };
                Libc.Poll(&fd, 1, (int)Math.Min(left, 100));
            }
        }
    }

    /// <summary>The shell's exit code (128 + signal when killed), or null while it runs. Reaps it once it has exited.</summary>
    public int? ExitCode
    {
        get
        {
            lock (_gate)
            {
                if (_exitCode is null)
                {
                    int status;
                    if (Libc.Waitpid(Pid, &status, Libc.WNOHANG) == Pid)
                        _exitCode = Libc.ExitCodeOf(status);
                }
                return _exitCode;
            }
        }
    }

    /// <summary>Stops the reader thread and delivers whatever is still buffered in the pty, so nothing written before exit is lost.</summary>
    public void StopReadingAndDrain()
    {
        StopReader();
        var buffer = stackalloc byte[64 * 1024];
        while (true)
        {
            var n = Libc.Read(_master, buffer, 64 * 1024);
            if (n <= 0)
                break;
            _onData(new ReadOnlySpan<byte>(buffer, (int)n));
        }
    }

    private void StopReader()
    {
        if (!_reader.IsAlive)
            return;
        byte one = 1;
        Libc.Write(_wakeWrite, &one, 1);
        _reader.Join(TimeSpan.FromSeconds(5));
    }

    private void ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        var fds = stackalloc Libc.PollFd[2];
        fds[0] = new Libc.PollFd { Fd = _master, Events = Libc.POLLIN };
        fds[1] = new Libc.PollFd { Fd = _wakeRead, Events = Libc.POLLIN };
        fixed (byte* p = buffer)
        {
            while (true)
            {
                fds[0].Revents = 0;
                fds[1].Revents = 0;
                if (Libc.Poll(fds, 2, -1) < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Libc.EINTR)
                        continue;
                    return;
                }
                if (fds[1].Revents != 0)
                    return;
                if ((fds[0].Revents & Libc.POLLIN) == 0)
                {
                    if (fds[0].Revents != 0)
                        return; // hang-up or error without data
                    continue;
                }
                var n = Libc.Read(_master, p, buffer.Length);
                if (n > 0)
                {
                    _onData(new ReadOnlySpan<byte>(p, (int)n));
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (n == 0 || (errno != Libc.EAGAIN && errno != Libc.EINTR))
                    return;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        StopReader();
        ProcessTree.KillSession(Pid);
        Reap();
        Libc.Close(_master);
        Libc.Close(_slave);
        Libc.Close(_wakeRead);
        Libc.Close(_wakeWrite);
    }

    private void Reap()
    {
        var deadline = Environment.TickCount64 + 3000;
        while (ExitCode is null)
        {
            if (Environment.TickCount64 > deadline)
            {
                // Stuck in uninterruptible sleep: leave a thread to collect it rather than block the caller.
                var pid = Pid;
                new Thread(() => { int status; Libc.Waitpid(pid, &status, 0); }) { IsBackground = true }.Start();
                return;
            }
            Thread.Sleep(2);
        }
    }
}
