namespace Deckhand.Engine.Llm;

/// <summary>
/// A provider failure mapped to one of a few typed errors. <see cref="Code"/> is the OpenHands error class name
/// (<c>LLMAuthenticationError</c>, <c>LLMRateLimitError</c>, ...), which becomes the conversation error's <c>code</c>.
/// The message never contains the API key.
/// </summary>
/// <remarks>
/// The provider's own exception is deliberately not kept as <see cref="Exception.InnerException"/>: its text can echo
/// the API key, and exceptions end up in logs. Only its type name is kept, in <see cref="ProviderError"/>.
/// </remarks>
public sealed class LlmException(string code, string message, int? statusCode = null, Exception? inner = null)
    : Exception(message)
{
    public string Code { get; } = code;
    public int? StatusCode { get; } = statusCode;
    public string? ProviderError { get; } = inner?.GetType().Name;

    /// <summary>How long the provider asked us to wait (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>For <see cref="NoResponse"/> raised on an answer that had a choice but nothing in it: that answer.</summary>
    internal Microsoft.Extensions.AI.ChatResponse? EmptyResponse { get; init; }

    public const string Authentication = "LLMAuthenticationError";
    public const string RateLimit = "LLMRateLimitError";
    public const string ContextWindowExceeded = "LLMContextWindowExceedError";
    public const string ContentPolicy = "LLMContentPolicyViolationError";
    public const string BadRequest = "LLMBadRequestError";
    public const string Unavailable = "LLMServiceUnavailableError";
    public const string Timeout = "LLMTimeoutError";
    public const string NoResponse = "LLMNoResponseError";

    /// <summary>Maps an HTTP status and provider message to a typed error.</summary>
    public static LlmException FromStatus(int status, string providerMessage, Exception? inner = null, TimeSpan? retryAfter = null)
    {
        var text = providerMessage.ToLowerInvariant();
        var code = status switch
        {
            401 or 403 => Authentication,
            429 => RateLimit,
            408 => Timeout,
            >= 500 => Unavailable,
            _ when IsContextWindow(text) => ContextWindowExceeded,
            _ when text.Contains("content_filter") || text.Contains("content policy") || text.Contains("content management policy") => ContentPolicy,
            404 => "NotFoundError",
            _ => BadRequest,
        };
        return new LlmException(code, $"{Describe(code)} (HTTP {status}): {providerMessage}", status, inner) { RetryAfter = retryAfter };
    }

    private static bool IsContextWindow(string text) =>
        text.Contains("context length") || text.Contains("context_length_exceeded") || text.Contains("maximum context")
        || text.Contains("too many tokens") || text.Contains("prompt is too long") || text.Contains("context window");

    /// <summary>A readable sentence for an error code.</summary>
    internal static string Describe(string code) => code switch
    {
        Authentication => "The LLM provider rejected the credentials",
        RateLimit => "The LLM provider is rate limiting requests",
        Timeout => "The LLM request timed out",
        Unavailable => "The LLM provider is unavailable",
        ContextWindowExceeded => "The conversation no longer fits the model's context window",
        ContentPolicy => "The LLM provider's content filter blocked the request",
        "NotFoundError" => "The LLM endpoint or model was not found",
        NoResponse => "The LLM returned an empty response",
        _ => "The LLM provider rejected the request",
    };
}
