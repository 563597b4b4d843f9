using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Files;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Deckhand.AgentServer.Files;

/// <summary>
/// <c>/api/file</c>: upload, download and create directories, by absolute path, only inside the allowed roots
/// (<see cref="WorkspaceRoots"/>: conversations' working directories, never the data dir), judged by real path.
/// </summary>
public static class FileEndpoints
{
    /// <summary>Largest upload accepted (the JSON body limit does not apply to this route).</summary>
    public const long MaxUploadBytes = 1L << 30;

    public static IEndpointRouteBuilder MapFiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/file").WithTags("Files");
        group.MapPost("/upload", UploadAsync).DisableAntiforgery();
        group.MapGet("/download", Download);
        group.MapPost("/create_directory", CreateDirectory);
        return app;
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, WorkspaceRoots roots, string? path, CancellationToken cancellationToken)
    {
        if (Resolve(roots, path, out var real) is { } refused)
            return refused;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxUploadBytes + 64 * 1024;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
            return ApiErrors.Invalid("body.file", "Field required: send the file as multipart/form-data field 'file'.", "missing");
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = MaxUploadBytes };
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFileDisposition() && !disposition.IsFormDisposition()
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file")
                    continue;
                await WorkspaceFiles.WriteAsync(real!, section.Body, MaxUploadBytes, cancellationToken);
                return Success();
            }
        }
        catch (UploadTargetException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (UploadTooLargeException)
        {
            return TooLarge();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (InvalidDataException ex)
        {
            // Malformed multipart, or a section over the reader's limit.
            return ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? TooLarge()
                : ApiErrors.Detail(StatusCodes.Status400BadRequest, "Malformed multipart body.");
        }
        catch (UnauthorizedAccessException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status403Forbidden, ex.Message.StartsWith("Permission denied", StringComparison.Ordinal)
                ? ex.Message : "Permission denied: " + ex.Message);
        }
        catch (IOException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status500InternalServerError, $"Failed to upload file: {ex.Message}");
        }
        return ApiErrors.Invalid("body.file", "Field required: send the file as multipart/form-data field 'file'.", "missing");
    }

    private static IResult Download(WorkspaceRoots roots, string? path)
    {
        if (Resolve(roots, path, out var real) is { } refused)
            return refused;
        if (Directory.Exists(real))
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, "Path is not a file");
        if (!File.Exists(real))
            return ApiErrors.NotFound("File not found");
        FileStream stream;
        try
        {
            stream = new FileStream(real!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (UnauthorizedAccessException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status403Forbidden, "Permission denied: " + ex.Message);
        }
        catch (FileNotFoundException)
        {
            return ApiErrors.NotFound("File not found");
        }
        return TypedResults.File(stream, "application/octet-stream", Path.GetFileName(path!));
    }

    private static IResult CreateDirectory(WorkspaceRoots roots, string? path)
    {
        if (Resolve(roots, path, out var real) is { } refused)
            return refused;
        if (File.Exists(real))
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, "Path exists and is not a directory");
        try
        {
            Directory.CreateDirectory(real!);
        }
        catch (UnauthorizedAccessException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status403Forbidden, "Permission denied: " + ex.Message);
        }
        catch (IOException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, $"Failed to create directory: {ex.Message}");
        }
        return Success();
    }

    /// <summary>
    /// The shared gate of the file and git routes: 422 without a path, 400 for a relative one, 403 outside the allowed
    /// roots (after following <c>..</c> and symlinks). Null when <paramref name="real"/> may be used.
    /// </summary>
    internal static IResult? Resolve(WorkspaceRoots roots, string? path, out string? real)
    {
        real = null;
        if (string.IsNullOrEmpty(path))
            return ApiErrors.Invalid("query.path", "Field required", "missing");
        PathAccess access;
        try
        {
            (access, real) = roots.Check(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ApiErrors.Detail(StatusCodes.Status403Forbidden, "Permission denied: the path cannot be resolved.");
        }
        return access switch
        {
            PathAccess.Allowed => null,
            PathAccess.NotAbsolute => ApiErrors.Detail(StatusCodes.Status400BadRequest, "Path must be absolute"),
            _ => ApiErrors.Detail(StatusCodes.Status403Forbidden,
                "Permission denied: the path is outside the allowed roots (the workspaces of existing conversations)."),
        };
    }

    private static IResult Success() => TypedResults.Json(SuccessResponse.True, DeckhandJson.Wire.SuccessResponse);

    private static IResult TooLarge() =>
        ApiErrors.Detail(StatusCodes.Status413PayloadTooLarge, $"File too large: the limit is {MaxUploadBytes / (1024 * 1024)} MB.");
}
