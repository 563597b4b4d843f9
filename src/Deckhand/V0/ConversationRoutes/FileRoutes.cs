using System.IO.Compression;
using System.Text;
using Deckhand.AgentServer.Http;
using Deckhand.Client;
using Microsoft.Net.Http.Headers;

namespace Deckhand.V0.ConversationRoutes;

/// <summary>
/// The workspace routes of a V0 conversation (spec §1.4): <c>list-files</c>, <c>select-file</c>, <c>zip-directory</c>
/// (read from the workspace on this host, never following a path out of it) and <c>upload-files</c> (written through
/// the sandbox's agent-server).
/// </summary>
internal static class FileRoutes
{
    /// <summary>Entries never listed (OpenHands' FILES_TO_IGNORE).</summary>
    private static readonly HashSet<string> Ignored = [".git/", ".DS_Store", "node_modules/", "__pycache__/", "lost+found/", ".vscode/"];

    /// <summary>Largest file <c>select-file</c> opens.</summary>
    public const long MaxOpenBytes = 10L << 20;

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/list-files", ListAsync);
        group.MapGet("/select-file", SelectAsync);
        group.MapGet("/zip-directory", ZipAsync);
        group.MapPost("/upload-files", UploadAsync).DisableAntiforgery();
    }

    private static async Task<IResult> ListAsync(V0Conversations conversations, string conversation_id, string? path, CancellationToken cancellationToken)
    {
        var (workspace, problem) = await WorkspaceAsync(conversations, conversation_id, cancellationToken);
        if (workspace is null)
            return problem!;
        if (WorkspacePaths.Resolve(workspace.Root, path) is not { } dir)
            return WorkspacePaths.Outside(path);
        if (!Directory.Exists(dir.Real))
            return V0Json.Error(StatusCodes.Status404NotFound, $"Directory not found: {path}");
        var ignore = GitIgnore.Load(workspace.Root);
        var prefix = string.IsNullOrEmpty(path) ? "" : path.TrimEnd('/') + "/";
        List<string> directories = [], files = [];
        try
        {
            foreach (var entry in new DirectoryInfo(dir.Real).EnumerateFileSystemInfos())
            {
                var isDirectory = entry is DirectoryInfo;
                var name = entry.Name + (isDirectory ? "/" : "");
                if (Ignored.Contains(name))
                    continue;
                var relative = string.IsNullOrEmpty(dir.Relative) ? entry.Name : dir.Relative + "/" + entry.Name;
                if (ignore.IsIgnored(relative, isDirectory))
                    continue;
                (isDirectory ? directories : files).Add(prefix + name);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return V0Json.Error(StatusCodes.Status500InternalServerError, $"Error listing files: {ex.Message}");
        }
        directories.Sort(StringComparer.OrdinalIgnoreCase);
        files.Sort(StringComparer.OrdinalIgnoreCase);
        return V0Json.Write(w =>
        {
            w.WriteStartArray();
            foreach (var name in directories.Concat(files))
                w.WriteStringValue(name);
            w.WriteEndArray();
        });
    }

    private static async Task<IResult> SelectAsync(V0Conversations conversations, string conversation_id, string? file, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(file))
            return ApiErrors.Invalid("query.file", "Field required", "missing");
        var (workspace, problem) = await WorkspaceAsync(conversations, conversation_id, cancellationToken);
        if (workspace is null)
            return problem!;
        if (WorkspacePaths.Resolve(workspace.Root, file) is not { } target)
            return WorkspacePaths.Outside(file);
        if (Directory.Exists(target.Real))
            return V0Json.Error(StatusCodes.Status400BadRequest, $"Unable to open a directory: {file}");
        if (!File.Exists(target.Real))
            return V0Json.Error(StatusCodes.Status404NotFound, $"File not found: {file}");
        var agentPath = Path.Join(workspace.AgentDir, target.Relative);
        byte[] bytes;
        try
        {
            if (new FileInfo(target.Real).Length > MaxOpenBytes)
                return V0Json.Error(StatusCodes.Status413PayloadTooLarge, $"File is too large to open ({MaxOpenBytes >> 20} MB at most): {file}");
            bytes = await File.ReadAllBytesAsync(target.Real, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return V0Json.Error(StatusCodes.Status500InternalServerError, $"Error opening file: {ex.Message}");
        }
        if (Text(bytes) is not { } code)
            return V0Json.Error(StatusCodes.Status415UnsupportedMediaType, $"Unable to open binary file: {agentPath}");
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("code", code);
            w.WriteEndObject();
        });
    }

    /// <summary>The file as text, or null when it is binary (a NUL byte, or not UTF-8).</summary>
    private static string? Text(byte[] bytes)
    {
        if (Array.IndexOf(bytes, (byte)0) >= 0)
            return null;
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static async Task<IResult> ZipAsync(V0Conversations conversations, string conversation_id, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var (workspace, problem) = await WorkspaceAsync(conversations, conversation_id, cancellationToken);
        if (workspace is null)
            return problem!;
        var temp = Path.Combine(Path.GetTempPath(), $"deckhand-workspace-{Guid.NewGuid():N}.zip");
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        try
        {
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
                await AddDirectoryAsync(zip, new DirectoryInfo(workspace.Root), "", cancellationToken);
            stream.Position = 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stream.DisposeAsync();
            return V0Json.Error(StatusCodes.Status500InternalServerError, $"Error zipping workspace: {ex.Message}");
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
        response.Headers[HeaderNames.ContentDisposition] = "attachment; filename=\"workspace.zip\"";
        return TypedResults.Stream(stream, "application/zip");
    }

    /// <summary>Adds the tree under <paramref name="dir"/>; symlinks are left out, so the zip never reaches outside the workspace.</summary>
    private static async Task AddDirectoryAsync(ZipArchive zip, DirectoryInfo dir, string prefix, CancellationToken cancellationToken)
    {
        foreach (var entry in dir.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.LinkTarget is not null)
                continue;
            var name = prefix + entry.Name;
            if (entry is DirectoryInfo sub)
            {
                zip.CreateEntry(name + "/");
                await AddDirectoryAsync(zip, sub, name + "/", cancellationToken);
            }
            else if (entry is FileInfo file)
            {
                var zipEntry = zip.CreateEntry(name, CompressionLevel.Fastest);
                zipEntry.LastWriteTime = file.LastWriteTime;
                await using var source = file.Open(FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                await using var target = zipEntry.Open();
                await source.CopyToAsync(target, cancellationToken);
            }
        }
    }

    private static async Task<IResult> UploadAsync(V0Conversations conversations, string conversation_id, HttpRequest request,
        CancellationToken cancellationToken)
    {
        var (workspace, problem) = await WorkspaceAsync(conversations, conversation_id, cancellationToken);
        if (workspace is null)
            return problem!;
        if (!request.HasFormContentType)
            return ApiErrors.Invalid("body.files", "Send the files as multipart/form-data, field 'files'.", "missing");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, $"Malformed multipart body: {ex.Message}");
        }
        catch (BadHttpRequestException ex)
        {
            return ApiErrors.Detail(ex.StatusCode, $"The upload was refused: {ex.Message}");
        }
        var uploaded = new List<string>();
        var skipped = new List<(string Name, string Reason)>();
        foreach (var file in form.Files.GetFiles("files"))
        {
            var name = file.FileName;
            if (string.IsNullOrWhiteSpace(name))
            {
                skipped.Add((name, "The file has no name."));
                continue;
            }
            if (WorkspacePaths.Resolve(workspace.Root, name) is not { } target || target.Relative.Length == 0)
            {
                skipped.Add((name, "The path is outside the workspace."));
                continue;
            }
            if (Directory.Exists(target.Real))
            {
                skipped.Add((name, "A directory has that name."));
                continue;
            }
            var agentPath = Path.Join(workspace.AgentDir, target.Relative);
            try
            {
                await using var content = file.OpenReadStream();
                await workspace.Agent.UploadFileAsync(agentPath, content, cancellationToken);
                uploaded.Add(agentPath);
            }
            catch (AgentServerException ex)
            {
                skipped.Add((name, $"The sandbox refused the file: {ex.Detail}"));
            }
            catch (HttpRequestException ex)
            {
                skipped.Add((name, $"The sandbox could not be reached: {ex.Message}"));
            }
        }
        return V0Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("uploaded_files");
            foreach (var path in uploaded)
                w.WriteStringValue(path);
            w.WriteEndArray();
            w.WriteStartArray("skipped_files");
            foreach (var (name, reason) in skipped)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("reason", reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The running conversation's workspace, or the answer for an unknown or stopped one.</summary>
    internal static async Task<(V0Workspace? Workspace, IResult? Problem)> WorkspaceAsync(V0Conversations conversations, string conversationId,
        CancellationToken cancellationToken)
    {
        var (target, problem) = await conversations.FindAsync(conversationId, cancellationToken);
        if (target is null)
            return (null, problem);
        try
        {
            return await conversations.WorkspaceAsync(target, cancellationToken) is { } workspace
                ? (workspace, null)
                : (null, V0Conversations.NotRunning());
        }
        catch (Exception ex) when (ex is AgentServerException or HttpRequestException)
        {
            return (null, V0Json.Error(StatusCodes.Status502BadGateway, $"The sandbox did not answer: {ex.Message}"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, V0Json.Error(StatusCodes.Status500InternalServerError, $"The workspace cannot be read: {ex.Message}"));
        }
    }
}
