using System.Runtime.CompilerServices;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Deckhand.Engine.Llm.Anthropic;

/// <summary>
/// <see cref="IChatClient"/> for <c>anthropic/...</c> models over the official Anthropic SDK's own
/// <see cref="IChatClient"/> (<c>AsIChatClient</c>). It adds what the agent relies on: function calls carry their raw
/// argument JSON in <see cref="AIContent.RawRepresentation"/> both ways, the static system prompt is cache-marked,
/// <c>max_tokens</c> always has a value (Anthropic requires it) and provider errors become <see cref="LlmException"/>s
/// with the API key scrubbed.
/// </summary>
public sealed class AnthropicChatClient : IChatClient
{
    /// <summary>Used when the config sets no <c>max_output_tokens</c>: the Messages API rejects requests without one.</summary>
    public const int DefaultMaxOutputTokens = 8192;

    private readonly AnthropicClient _sdk;
    private readonly IChatClient _inner;
    private readonly LlmConfig _config;
    private readonly string _model;

    public AnthropicChatClient(LlmConfig config)
    {
        _config = config;
        _model = ModelName(config.Model);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var key = config.ApiKey?.Value;
        if (!string.IsNullOrEmpty(key))
        {
            // The SDK sends ApiKey as a Bearer token; api.anthropic.com and most proxies authenticate x-api-key.
            headers["x-api-key"] = key;
        }

        foreach (var (name, value) in config.ExtraHeaders ?? new Dictionary<string, string>())
            headers[name] = value;
        _sdk = new AnthropicClient(new ClientOptions
        {
            BaseUrl = string.IsNullOrWhiteSpace(config.BaseUrl) ? "https://api.anthropic.com" : config.BaseUrl.TrimEnd('/'),
            // Local proxies take any key; without one the SDK would go looking in the environment.
            ApiKey = string.IsNullOrEmpty(key) ? "no-key" : key,
            // RetryingChatClient is the one retry layer and owns the per-attempt timeout.
            MaxRetries = 0,
            Timeout = Timeout.InfiniteTimeSpan,
            ExtraHeaders = headers,
        });
        _inner = _sdk.AsIChatClient(_model, config.MaxOutputTokens is > 0 ? config.MaxOutputTokens : DefaultMaxOutputTokens);
    }

    /// <summary><c>anthropic/claude-x</c> → <c>claude-x</c>.</summary>
    public static string ModelName(string model) =>
        model.StartsWith("anthropic/", StringComparison.OrdinalIgnoreCase) ? model["anthropic/".Length..] : model;

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatResponse response;
        try
        {
            response = await _inner.GetResponseAsync(AnthropicMessages.ToSdk(messages, _config.CachingPrompt), options, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw MapError(ex);
        }

        foreach (var message in response.Messages)
            AnthropicMessages.FromSdk(message.Contents);
        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = _inner.GetStreamingResponseAsync(AnthropicMessages.ToSdk(messages, _config.CachingPrompt), options, cancellationToken);
        await foreach (var update in ProviderStream.MapErrors(stream, MapError, cancellationToken))
        {
            AnthropicMessages.FromSdk(update.Contents);
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("anthropic", new Uri(_sdk.BaseUrl), _model)
        : _inner.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        _inner.Dispose();
        _sdk.Dispose();
    }

    private LlmException MapError(Exception ex)
    {
        var error = ex switch
        {
            AnthropicApiException api => LlmException.FromStatus((int)api.StatusCode, ProviderMessage(api), ex),
            OperationCanceledException or TimeoutException => new LlmException(LlmException.Timeout,
                $"The LLM request timed out after {_config.Timeout ?? 0:0.#} s.", null, ex),
            AnthropicIOException or HttpRequestException or IOException => new LlmException(LlmException.Unavailable,
                $"Could not reach the LLM endpoint: {ex.Message}", null, ex),
            _ => new LlmException(LlmException.BadRequest, ex.Message, null, ex),
        };
        var key = _config.ApiKey?.Value;
        return string.IsNullOrEmpty(key) || !error.Message.Contains(key, StringComparison.Ordinal)
            ? error
            : new LlmException(error.Code, error.Message.Replace(key, "**********", StringComparison.Ordinal), error.StatusCode, ex);
    }

    /// <summary>Anthropic's <c>error.message</c>, else the first line of the SDK's text.</summary>
    private static string ProviderMessage(AnthropicApiException ex) =>
        !string.IsNullOrEmpty(ex.ApiMessage) ? ex.ApiMessage : ex.Message.Split('\n')[0];
}
