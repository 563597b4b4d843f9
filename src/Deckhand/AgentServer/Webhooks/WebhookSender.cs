using System.Net.Http.Headers;

namespace Deckhand.AgentServer.Webhooks;

/// <summary>
/// Posts JSON to one webhook with its headers and the server's session key, retrying as its spec says. Never throws
/// for a failed delivery (it answers false); only cancellation escapes. Logs name the path and the outcome, never
/// headers, bodies or the URL's user info.
/// </summary>
internal sealed partial class WebhookSender(WebhookSpec spec, string? sessionKey, HttpClient http, TimeProvider time, ILogger logger)
{
    public const string SessionKeyHeader = "X-Session-API-Key";

    public WebhookSpec Spec => spec;

    /// <summary>Posts <paramref name="body"/> to <c>{base_url}{path}</c>; true once it was accepted (2xx).</summary>
    public async Task<bool> PostAsync(string path, byte[] body, CancellationToken cancellationToken)
    {
        string failure = "";
        var url = spec.Root + path;
        for (var attempt = 0; attempt <= spec.NumRetries; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(spec.RetryDelay), time, cancellationToken);
                url = spec.Root + path; // the receiver may have moved (base_url_file) while we waited
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(spec.RequestTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                foreach (var (name, value) in spec.Headers)
                    request.Headers.TryAddWithoutValidation(name, value);
                if (sessionKey is not null)
                {
                    request.Headers.Remove(SessionKeyHeader);
                    request.Headers.TryAddWithoutValidation(SessionKeyHeader, sessionKey);
                }
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (response.IsSuccessStatusCode)
                    return true;
                failure = $"HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"no answer within {spec.RequestTimeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException ex)
            {
                failure = ex.HttpRequestError.ToString();
            }
            LogAttemptFailed(logger, Describe(url), attempt + 1, failure);
        }
        LogGaveUp(logger, Describe(url), spec.NumRetries + 1, failure);
        return false;
    }

    /// <summary>Host and path of a post, for logs (no user info, no query).</summary>
    private static string Describe(string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var url) ? $"{url.Scheme}://{url.Authority}{url.AbsolutePath}" : "(invalid URL)";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook post to {Url} failed (attempt {Attempt}): {Failure}")]
    private static partial void LogAttemptFailed(ILogger logger, string url, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook post to {Url} failed after {Attempts} attempt(s): {Failure}")]
    private static partial void LogGaveUp(ILogger logger, string url, int attempts, string failure);
}
