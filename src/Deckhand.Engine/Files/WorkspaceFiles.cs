namespace Deckhand.Engine.Files;

/// <summary>Writes under a real path (from <see cref="WorkspaceRoots.Check"/>) without following a symlink out.</summary>
public static class WorkspaceFiles
{
    /// <summary>
    /// Streams <paramref name="content"/> to a new temporary file beside the target (created exclusively, so never
    /// through a symlink), then renames it over the target: a symlink planted at the target is replaced, not followed.
    /// Parent directories are created; the parent's real path is checked again afterwards.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The parent changed under us (a symlink was swapped in).</exception>
    /// <exception cref="UploadTargetException">The target is a directory.</exception>
    /// <exception cref="UploadTooLargeException">More than <paramref name="maxBytes"/>.</exception>
    public static async Task<long> WriteAsync(string realPath, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var dir = Path.GetDirectoryName(realPath) ?? throw new UploadTargetException("Path is a directory");
        if (Directory.Exists(realPath))
            throw new UploadTargetException("Path is a directory");
        Directory.CreateDirectory(dir);
        if (RealPath.Resolve(dir) != dir)
            throw new UnauthorizedAccessException("Permission denied: the target directory changed while writing.");
        var temp = Path.Join(dir, $".{Path.GetFileName(realPath)}.upload-{Guid.NewGuid():N}");
        long written = 0;
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    if (written > maxBytes)
                        throw new UploadTooLargeException();
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            if (!OperatingSystem.IsWindows() && File.Exists(realPath) && new FileInfo(realPath).LinkTarget is null)
                File.SetUnixFileMode(temp, File.GetUnixFileMode(realPath));
            File.Move(temp, realPath, overwrite: true);
            return written;
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}

public sealed class UploadTargetException(string message) : IOException(message);

public sealed class UploadTooLargeException : IOException;
