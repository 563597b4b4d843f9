namespace Deckhand.Cli;

/// <summary>The per-user data directory: DECKHAND_DATA_DIR, else $XDG_DATA_HOME/deckhand, else ~/.local/share/deckhand.</summary>
public static class DataDirectory
{
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("DECKHAND_DATA_DIR") is { Length: > 0 } configured)
            return Path.GetFullPath(configured);
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share") : xdg;
        return Path.Combine(root, "deckhand");
    }

    /// <summary>Creates the directory readable by its owner only (it holds conversations and API keys).</summary>
    public static string Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(full);
            else
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return full;
    }
}
