using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Deckhand.Contracts.Server;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Deckhand.AgentServer.Http;

/// <summary>
/// Reads a JSON request body through the shared context, so bad input becomes a clear 4xx: 415 for a non-JSON
/// content type, 413 past the size limit, 422 naming the field for malformed JSON, wrong types, missing required
/// fields and unknown <c>kind</c> values. Error messages never echo the input (it may hold secrets).
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> info, long maxBytes,
        CancellationToken cancellationToken)
    {
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            return (default, ApiErrors.Detail(StatusCodes.Status415UnsupportedMediaType, "Expected a JSON body (Content-Type: application/json)."));
        if (request.ContentLength > maxBytes)
            return (default, TooLarge(maxBytes));
        using var buffer = new MemoryStream();
        try
        {
            await CopyLimitedAsync(request.Body, buffer, maxBytes, cancellationToken);
        }
        catch (BodyTooLargeException)
        {
            return (default, TooLarge(maxBytes));
        }
        catch (BadHttpRequestException ex)
        {
            return (default, ApiErrors.Detail(ex.StatusCode, ex.Message));
        }
        if (buffer.Length == 0)
            return (default, ApiErrors.Invalid("body", "A JSON body is required.", "missing"));
        return Parse(() => JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), info));
    }

    /// <summary>Binds an already-parsed body to <typeparamref name="T"/>, with the same 422 answers as <see cref="ReadAsync"/>.</summary>
    public static (T? Value, IResult? Error) Convert<T>(JsonElement body, JsonTypeInfo<T> info) => Parse(() => body.Deserialize(info));

    private static (T? Value, IResult? Error) Parse<T>(Func<T?> parse)
    {
        try
        {
            var value = parse();
            return value is null ? (default, ApiErrors.Invalid("body", "The body must be a JSON object, not null.", "model_type")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (default, ApiErrors.Invalid([Explain(ex)]));
        }
        catch (NotSupportedException ex)
        {
            // A polymorphic object without its discriminator surfaces as NotSupportedException.
            return (default, ApiErrors.Invalid([MissingDiscriminator(ex)]));
        }
        catch (InvalidOperationException ex)
        {
            return (default, ApiErrors.Invalid("body", Clean(ex.Message), "value_error"));
        }
    }

    /// <summary>Like <see cref="ReadAsync"/>, but a request without a body gets <paramref name="whenEmpty"/>.</summary>
    public static Task<(T? Value, IResult? Error)> ReadOptionalAsync<T>(HttpRequest request, JsonTypeInfo<T> info, long maxBytes,
        Func<T> whenEmpty, CancellationToken cancellationToken)
    {
        var noBody = request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any(v => v is { Length: > 0 }));
        return noBody ? Task.FromResult<(T?, IResult?)>((whenEmpty(), null)) : ReadAsync(request, info, maxBytes, cancellationToken);
    }

    private static JsonHttpResult<ErrorDetail> TooLarge(long maxBytes) =>
        ApiErrors.Detail(StatusCodes.Status413PayloadTooLarge, $"Request body too large: the limit is {maxBytes / (1024 * 1024)} MB.");

    private static async Task CopyLimitedAsync(Stream source, MemoryStream target, long maxBytes, CancellationToken cancellationToken)
    {
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (target.Length + read > maxBytes)
                throw new BodyTooLargeException();
            target.Write(chunk, 0, read);
        }
    }

    /// <summary>Turns System.Text.Json's message into one a client can act on, with the JSON path as location.</summary>
    public static FieldProblem Explain(JsonException ex)
    {
        var path = ex.Path is { Length: > 0 } p ? p.TrimStart('$').TrimStart('.') : "";
        var location = path.Length == 0 ? new[] { "body" } : ["body", .. path.Split('.', StringSplitOptions.RemoveEmptyEntries)];
        var raw = ex.Message;
        var type = raw.Contains("discriminator", StringComparison.OrdinalIgnoreCase) ? "union_tag_invalid"
            : raw.Contains("missing required", StringComparison.OrdinalIgnoreCase) ? "missing"
            : raw.Contains("could not be converted", StringComparison.OrdinalIgnoreCase) ? "type_error"
            : "json_invalid";
        var message = Clean(raw);
        return new FieldProblem(type, location, message);
    }

    private static FieldProblem MissingDiscriminator(NotSupportedException ex)
    {
        var path = "";
        var at = ex.Message.IndexOf("Path: $", StringComparison.Ordinal);
        if (at >= 0)
            path = ex.Message[(at + 7)..].Split(' ', '|')[0].TrimStart('.');
        string[] location = path.Length == 0 ? ["body"] : ["body", .. path.Split('.', StringSplitOptions.RemoveEmptyEntries)];
        return new FieldProblem("union_tag_not_found", location,
            "This object needs its discriminator: \"kind\" (or \"type\" for message content parts).");
    }

    private static string Clean(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
            message = message[..cut];
        var convert = message.IndexOf("could not be converted to ", StringComparison.Ordinal);
        if (convert > 0)
            return "Wrong type: expected " + Friendly(message[(convert + 26)..].TrimEnd('.')) + ".";
        return message
            .Replace("Deckhand.Contracts.", "", StringComparison.Ordinal)
            .Replace("System.Collections.Generic.", "", StringComparison.Ordinal)
            .Replace("System.", "", StringComparison.Ordinal);
    }

    private static string Friendly(string clrType) => clrType.Replace("System.", "", StringComparison.Ordinal) switch
    {
        "Int32" or "Int64" or "Nullable`1[Int32]" or "Nullable`1[Int64]" => "an integer",
        "Double" or "Single" or "Nullable`1[Double]" => "a number",
        "Boolean" or "Nullable`1[Boolean]" => "true or false",
        "String" => "a string",
        "Guid" or "Nullable`1[Guid]" => "a UUID string",
        var other when other.Contains("List", StringComparison.Ordinal) || other.Contains("[]", StringComparison.Ordinal) => "an array",
        var other when other.Contains("Dictionary", StringComparison.Ordinal) => "an object",
        var other => "a value of type " + other.Split('.')[^1],
    };

    private sealed class BodyTooLargeException : Exception;
}
