namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>
/// Writes a file by writing a temporary file beside it and renaming it over the original, so a crash or a full disk
/// never leaves a half-written file. The original's permissions are kept, and a symlink is followed to its target
/// rather than replaced by a regular file. (Hard links to the original are not kept: the rename makes a new inode.)
/// </summary>
internal static class AtomicFile
{
    public static async Task WriteAsync(string path, byte[] bytes, bool overwrite, CancellationToken cancellationToken)
    {
        var target = path;
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } resolved)
            target = resolved.FullName;
        var directory = Path.GetDirectoryName(target) ?? ".";
        var temp = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows() && File.Exists(target))
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            File.Move(temp, target, overwrite);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
