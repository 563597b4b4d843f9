namespace Deckhand.Testing.Llm;

/// <summary>An OpenAI-shaped error answer: <c>{"error":{"message","type","param","code"}}</c> with an HTTP status.</summary>
public sealed record ScriptedError(int StatusCode, string Message, string Type, string? Code, int? RetryAfterSeconds)
{
    /// <summary>Builds an error whose <c>type</c> and <c>code</c> default to what OpenAI sends for the status.</summary>
    public static ScriptedError For(int statusCode, string message, int? retryAfterSeconds = null, string? type = null, string? code = null)
    {
        var (defaultType, defaultCode) = statusCode switch
        {
            400 => ("invalid_request_error", (string?)null),
            401 => ("invalid_request_error", "invalid_api_key"),
            403 => ("permission_error", null),
            404 => ("invalid_request_error", "model_not_found"),
            429 => ("requests", "rate_limit_exceeded"),
            _ => ("server_error", null),
        };
        return new ScriptedError(statusCode, message, type ?? defaultType, code ?? defaultCode, retryAfterSeconds);
    }
}
