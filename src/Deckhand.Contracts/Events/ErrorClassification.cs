namespace Deckhand.Contracts.Events;

/// <summary>How an error should be treated: who can fix it, and whether retrying may help.</summary>
public sealed record ErrorClassification
{
    /// <summary>auth, quota, rate_limit, config, transient, agent_action, internal, unknown.</summary>
    public string Kind { get; set; } = "unknown";
    public bool Retryable { get; set; }
    /// <summary>none, retry, settings.</summary>
    public string UserAction { get; set; } = "none";
    public string? ErrorId { get; set; }

    public static ErrorClassification Unknown { get; } = new();

    /// <summary>A mistake the agent can correct by calling the tool differently.</summary>
    public static ErrorClassification AgentOutcome { get; } = new() { Kind = "agent_action", Retryable = true, UserAction = "retry" };

    public static ErrorClassification Internal { get; } = new() { Kind = "internal" };

    /// <summary>Classifies a conversation error by its code first, then by words in its detail.</summary>
    public static ErrorClassification ForConversationError(string code, string detail)
    {
        switch (code)
        {
            case "LLMAuthenticationError": return new() { Kind = "auth", UserAction = "settings" };
            case "LLMRateLimitError": return new() { Kind = "rate_limit", Retryable = true, UserAction = "retry" };
            case "MaxBudgetReached": return new() { Kind = "quota", UserAction = "settings" };
            case "LLMBadRequestError" or "NotFoundError": return new() { Kind = "config", UserAction = "settings" };
            case "LLMContextWindowExceedError" or "LLMMalformedConversationHistoryError":
                return new() { Kind = "agent_action", Retryable = true, UserAction = "retry" };
            case "MaxIterationsReached" or "AgentStuckInLoopError": return new() { Kind = "agent_action" };
            case "ServerRestarted": return new() { Kind = "transient", Retryable = true, UserAction = "retry" };
            case "LLMServiceUnavailableError" or "LLMTimeoutError" or "APIError":
                return new() { Kind = "transient", Retryable = true, UserAction = "retry" };
        }
        var text = detail.ToLowerInvariant();
        if (text.Contains("invalid api key") || text.Contains("401") || text.Contains("unauthorized"))
            return new() { Kind = "auth", UserAction = "settings" };
        if (text.Contains("rate limit") || text.Contains("429"))
            return new() { Kind = "rate_limit", Retryable = true, UserAction = "retry" };
        if (text.Contains("timeout") || text.Contains("timed out") || text.Contains("connection") || text.Contains("bad gateway") || text.Contains("error code: 5"))
            return new() { Kind = "transient", Retryable = true, UserAction = "retry" };
        return Unknown;
    }
}
