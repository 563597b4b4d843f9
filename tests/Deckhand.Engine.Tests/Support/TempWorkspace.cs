using System.Diagnostics;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Tools;

namespace Deckhand.Engine.Tests.Support;

/// <summary>A throwaway workspace (and a persistence folder beside it) for tool tests; deleted on dispose.</summary>
internal sealed class TempWorkspace : IDisposable
{
    private static readonly DateTime Epoch = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly string _top = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"deckhand-tools-{Guid.NewGuid():N}");

    public TempWorkspace(bool git = false)
    {
        Directory.CreateDirectory(Root);
        if (git)
            Git("init", "-q");
    }

    public string Root => System.IO.Path.Combine(_top, "work");

    public string DataDir => System.IO.Path.Combine(_top, "data");

    public ToolContext Context => new(Guid.NewGuid(), Root, DataDir, new NoIsolation());

    public string Path(string relative) => System.IO.Path.Combine(Root, relative);

    /// <summary>Writes a file; <paramref name="age"/> in minutes sets its modification time (older = larger).</summary>
    public string Write(string relative, string content = "", int age = 0)
    {
        var full = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        File.SetLastWriteTimeUtc(full, Epoch.AddMinutes(-age));
        return full;
    }

    public string WriteBytes(string relative, byte[] content)
    {
        var full = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return full;
    }

    public void Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_top, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
