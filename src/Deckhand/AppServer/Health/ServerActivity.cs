using System.Diagnostics;
using System.Globalization;
using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Health;

/// <summary>
/// What <c>GET /server_info</c> reports (V0 spec §1.1), measured from this process: uptime, time since the last request
/// other than health probes, CPU use since the previous report, memory, the data directory's disk and the process's I/O.
/// </summary>
public sealed class ServerActivity(TimeProvider time, AppServerOptions options)
{
    private readonly long _started = time.GetTimestamp();
    private long _lastRequest = time.GetTimestamp();
    private readonly Lock _cpuLock = new();
    private long _cpuSampleAt = time.GetTimestamp();
    private TimeSpan _cpuSample = Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>Marks a request; probes (<c>/alive</c>, <c>/health</c>, <c>/server_info</c>) do not count as activity.</summary>
    public void Seen(PathString path)
    {
        if (path.StartsWithSegments("/alive") || path.StartsWithSegments("/health") || path.StartsWithSegments("/server_info"))
            return;
        Interlocked.Exchange(ref _lastRequest, time.GetTimestamp());
    }

    public AppServerInfo Snapshot()
    {
        using var process = Process.GetCurrentProcess();
        var rss = process.WorkingSet64;
        var totalMemory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var (read, write) = ProcessIo();
        return new AppServerInfo(
            time.GetElapsedTime(_started).TotalSeconds,
            time.GetElapsedTime(Interlocked.Read(ref _lastRequest)).TotalSeconds,
            new ServerResources(
                CpuPercent(process.TotalProcessorTime),
                new ServerMemory(rss, process.VirtualMemorySize64, totalMemory > 0 ? Math.Round(100.0 * rss / totalMemory, 1) : 0),
                Disk(),
                new ServerIo(read, write)));
    }

    private double CpuPercent(TimeSpan cpuNow)
    {
        lock (_cpuLock)
        {
            var now = time.GetTimestamp();
            var wall = time.GetElapsedTime(_cpuSampleAt, now);
            var used = cpuNow - _cpuSample;
            _cpuSampleAt = now;
            _cpuSample = cpuNow;
            return wall <= TimeSpan.Zero ? 0 : Math.Round(100.0 * used.TotalSeconds / wall.TotalSeconds, 1);
        }
    }

    private ServerDisk Disk()
    {
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(options.DataDir));
            var total = drive.TotalSize;
            var free = drive.AvailableFreeSpace;
            var used = total - drive.TotalFreeSpace;
            return new ServerDisk(total, used, free, total > 0 ? Math.Round(100.0 * used / total, 1) : 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new ServerDisk(0, 0, 0, 0);
        }
    }

    /// <summary>Bytes read and written through storage, from <c>/proc/self/io</c> (zeros where it cannot be read).</summary>
    private static (long Read, long Write) ProcessIo()
    {
        long read = 0, write = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/io"))
            {
                var parts = line.Split(':', 2, StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
                    continue;
                if (parts[0] == "read_bytes")
                    read = value;
                else if (parts[0] == "write_bytes")
                    write = value;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return (read, write);
    }
}
