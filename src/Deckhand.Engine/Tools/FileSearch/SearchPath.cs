namespace Deckhand.Engine.Tools.FileSearch;

/// <summary>Resolves the optional <c>path</c> argument of glob and grep against the conversation's working directory.</summary>
internal static class SearchPath
{
    /// <summary>Checks what can be checked without the file system: the path, when given, must be absolute.</summary>
    public static void Validate(string? path)
    {
        if (!string.IsNullOrWhiteSpace(path) && !Path.IsPathRooted(path))
        {
            throw new ToolArgumentException(
                $"path must be an absolute directory, but '{path}' is relative. Leave it out to search the working directory.");
        }
    }

    /// <summary>The absolute, normalised directory to search, or an error message for the model.</summary>
    public static (string? Directory, string? Error) Resolve(string? path, string workingDir)
    {
        var full = Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? workingDir : path);
        if (full.Length > 1)
            full = full.TrimEnd(Path.DirectorySeparatorChar);
        if (System.IO.Directory.Exists(full))
            return (full, null);
        if (File.Exists(full))
            return (null, $"{full} is a file, not a directory. Give the directory that contains it as path.");
        return (null, $"The directory {full} does not exist. Check the path, or leave it out to search the working directory ({workingDir}).");
    }
}
