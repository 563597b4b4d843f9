namespace Deckhand.AgentServer.Webhooks;

/// <summary>
/// One entry of the agent-server's <c>webhooks</c> config (OpenHands' <c>WebhookSpec</c>, agent-server spec §1.11):
/// where conversation events and lifecycle updates are posted, and how they are batched and retried. Times are in
/// seconds, as in the OpenHands config.
/// </summary>
public sealed record WebhookSpec
{
    /// <summary>Events go to <c>{base_url}/events/{conversation id hex}</c>, conversation info to <c>{base_url}/conversations</c>.</summary>
    public required string BaseUrl { get; init; }

    /// <summary>
    /// Deckhand extension (<c>OH_WEBHOOKS_0_BASE_URL_FILE</c>): a file holding the base URL, read before every post and
    /// taking precedence over <see cref="BaseUrl"/> while it holds an absolute http(s) URL. Whoever started this server
    /// (the app server) rewrites it when it moves, so posts follow it without a restart.
    /// </summary>
    public string? BaseUrlFile { get; init; }

    /// <summary>Sent with every post, besides <c>X-Session-API-Key</c> (values may be secrets: never logged).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>A batch is posted as soon as this many events are queued.</summary>
    public int EventBufferSize { get; init; } = 5;

    /// <summary>Otherwise this long after the last event (the timer restarts with each event).</summary>
    public double FlushDelay { get; init; } = 30.0;

    /// <summary>Retries after a failed post (so 1 + this many attempts) before the batch is put back in the queue.</summary>
    public int NumRetries { get; init; } = 3;

    public double RetryDelay { get; init; } = 5.0;

    /// <summary>Most events queued per conversation; beyond it the oldest are dropped.</summary>
    public int MaxQueueSize { get; init; } = 1000;

    /// <summary>A batch is cut at this many bytes of event JSON (at least one event per batch).</summary>
    public long MaxBatchBytes { get; init; } = 5L * 1024 * 1024;

    /// <summary>Most bytes of event JSON queued per conversation; beyond it the oldest are dropped.</summary>
    public long MaxQueueBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>How long one post may take (OpenHands: 30 s). Not read from the environment.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The problems with this spec (empty when usable), each naming the field.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            problems.Add("base_url must be an absolute http(s) URL");
        if (EventBufferSize < 1)
            problems.Add("event_buffer_size must be at least 1");
        if (!(FlushDelay >= 0) || !double.IsFinite(FlushDelay))
            problems.Add("flush_delay must be a number of seconds, 0 or more");
        if (NumRetries < 0)
            problems.Add("num_retries must be 0 or more");
        if (!(RetryDelay >= 0) || !double.IsFinite(RetryDelay))
            problems.Add("retry_delay must be a number of seconds, 0 or more");
        if (MaxQueueSize < 1)
            problems.Add("max_queue_size must be at least 1");
        if (MaxBatchBytes < 1)
            problems.Add("max_batch_bytes must be at least 1");
        if (MaxQueueBytes < 1)
            problems.Add("max_queue_bytes must be at least 1");
        foreach (var name in Headers.Keys)
        {
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c == ':'))
                problems.Add($"headers: '{name}' is not a valid header name");
        }
        return problems;
    }

    /// <summary>The base URL without a trailing slash, for appending paths: the file's when it holds a usable one.</summary>
    internal string Root => ReadBaseUrlFile() ?? BaseUrl.TrimEnd('/');

    private string? ReadBaseUrlFile()
    {
        if (string.IsNullOrEmpty(BaseUrlFile))
            return null;
        try
        {
            var text = File.ReadAllText(BaseUrlFile).Trim();
            return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? text.TrimEnd('/') : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
