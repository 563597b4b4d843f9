using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Deckhand.Engine.Llm.Anthropic;

/// <summary>
/// <see cref="IChatClient"/> for <c>anthropic/...</c> models over the official Anthropic SDK's own
/// <see cref="IChatClient"/> (<c>AsIChatClient</c>). It adds what the agent relies on: function calls carry their raw
/// argument JSON in <see cref="AIContent.RawRepresentation"/> both ways; prompt-cache markers when
/// <c>caching_prompt</c> is on (dropped, and the request retried once, if the provider rejects them); extended thinking
/// for models that have it (spec §6.1), with thinking blocks returned as <see cref="ThinkingBlockContent"/> and sent
/// back on later turns; <c>max_tokens</c> always has a value (Anthropic requires it); provider errors become
/// <see cref="LlmException"/>s with the API key scrubbed.
/// </summary>
public sealed class AnthropicChatClient : IChatClient
{
    /// <summary>Used when the config sets no <c>max_output_tokens</c>: the Messages API rejects requests without one.</summary>
    public const int DefaultMaxOutputTokens = 8192;

    /// <summary>Without a <c>max_output_tokens</c>, a thinking model gets room for its thinking and its answer.</summary>
    public const int DefaultThinkingMaxOutputTokens = 32000;

    /// <summary>Anthropic's smallest thinking budget.</summary>
    public const int MinThinkingBudget = 1024;

    /// <summary>The beta that lets Claude think between tool calls (spec §6.1).</summary>
    public const string InterleavedThinkingBeta = "interleaved-thinking-2025-05-14";

    private readonly AnthropicClient _sdk;
    private readonly IChatClient _inner;
    private readonly LlmConfig _config;
    private readonly string _model;
    private readonly int _maxTokens;
    private readonly bool _thinking;
    private volatile bool _cacheMarkersRejected;

    public AnthropicChatClient(LlmConfig config)
    {
        _config = config;
        _model = ModelName(config.Model);
        _thinking = WantsThinking(config);
        _maxTokens = config.MaxOutputTokens is > 0 and var max ? max : _thinking ? DefaultThinkingMaxOutputTokens : DefaultMaxOutputTokens;
        _thinking = _thinking && ThinkingBudget(_maxTokens) is not null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var key = config.ApiKey?.Value;
        if (!string.IsNullOrEmpty(key))
        {
            // The SDK sends ApiKey as a Bearer token; api.anthropic.com and most proxies authenticate x-api-key.
            headers["x-api-key"] = key;
        }

        foreach (var (name, value) in config.ExtraHeaders ?? new Dictionary<string, string>())
            headers[name] = value;
        if (_thinking)
        {
            headers["anthropic-beta"] = headers.TryGetValue("anthropic-beta", out var betas) && betas.Length > 0
                ? betas + "," + InterleavedThinkingBeta
                : InterleavedThinkingBeta;
        }

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
        _inner = _sdk.AsIChatClient(_model, _maxTokens);
    }

    /// <summary><c>anthropic/claude-x</c> → <c>claude-x</c>.</summary>
    public static string ModelName(string model) =>
        model.StartsWith("anthropic/", StringComparison.OrdinalIgnoreCase) ? model["anthropic/".Length..] : model;

    /// <summary>Extended thinking is on for models that have it, unless <c>reasoning_effort</c> is <c>none</c> or the budget is unset.</summary>
    private static bool WantsThinking(LlmConfig config) =>
        ModelCapabilities.SupportsExtendedThinking(config.Model)
        && config.ReasoningEffort is { Length: > 0 } effort && !effort.Equals("none", StringComparison.OrdinalIgnoreCase)
        && config.ExtendedThinkingBudget is > 0;

    /// <summary><c>min(extended_thinking_budget, max_tokens - 1)</c>, or null when that leaves less than Anthropic's minimum.</summary>
    private int? ThinkingBudget(int maxTokens)
    {
        var budget = Math.Min(_config.ExtendedThinkingBudget ?? 0, maxTokens - 1);
        return budget >= MinThinkingBudget ? budget : null;
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<AiChatMessage> ?? [.. messages];
        var cache = CacheMarkers;
        ChatResponse response;
        try
        {
            response = await SendAsync(list, options, cache, cancellationToken);
        }
        catch (LlmException ex) when (cache && RejectsCacheMarkers(ex))
        {
            // Spec §6.3: a request rejected because of its cache markers is sent once more without them.
            _cacheMarkersRejected = true;
            response = await SendAsync(list, options, cache: false, cancellationToken);
        }

        foreach (var message in response.Messages)
        {
            AnthropicMessages.SetRawArguments(message.Contents);
            AnthropicMessages.AddThinkingBlocks(message.Contents);
        }
        return response;
    }

    private async Task<ChatResponse> SendAsync(IReadOnlyList<AiChatMessage> messages, ChatOptions? options, bool cache, CancellationToken cancellationToken)
    {
        try
        {
            return await _inner.GetResponseAsync(AnthropicMessages.ToSdk(messages, cache), Options(options), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw MapError(ex);
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<AiChatMessage> ?? [.. messages];
        var (updates, first) = await OpenStreamAsync(list, options, cancellationToken);
        await using var _ = updates;
        var thinking = new ThinkingStream();
        string? responseId = null;
        for (var update = first; update is not null; update = await updates.MoveNextAsync() ? updates.Current : null)
        {
            responseId ??= update.ResponseId;
            thinking.Add(update.Contents);
            AnthropicMessages.SetRawArguments(update.Contents);
            yield return update;
        }

        if (thinking.Complete(responseId) is { } blocks)
            yield return blocks;
    }

    /// <summary>Opens the stream up to its first update, once more without cache markers if the provider rejects them.</summary>
    private async Task<(IAsyncEnumerator<ChatResponseUpdate> Updates, ChatResponseUpdate? First)> OpenStreamAsync(
        IReadOnlyList<AiChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var cache = CacheMarkers;
        while (true)
        {
            var updates = Stream(messages, options, cache, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                return (updates, await updates.MoveNextAsync() ? updates.Current : null);
            }
            catch (LlmException ex) when (cache && RejectsCacheMarkers(ex))
            {
                await updates.DisposeAsync();
                _cacheMarkersRejected = true;
                cache = false;
            }
            catch
            {
                await updates.DisposeAsync();
                throw;
            }
        }
    }

    private IAsyncEnumerable<ChatResponseUpdate> Stream(IReadOnlyList<AiChatMessage> messages, ChatOptions? options, bool cache,
        CancellationToken cancellationToken) =>
        ProviderStream.MapErrors(_inner.GetStreamingResponseAsync(AnthropicMessages.ToSdk(messages, cache), Options(options), cancellationToken),
            MapError, cancellationToken);

    private bool CacheMarkers => _config.CachingPrompt && !_cacheMarkersRejected;

    private static bool RejectsCacheMarkers(LlmException ex) =>
        ex.Code == LlmException.BadRequest && ex.Message.Contains("cache_control", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The request's base parameters, which the SDK's chat client builds on. They carry what that client does not map
    /// from <see cref="ChatOptions"/> (it drops temperature, top_p and top_k) and, with thinking on, <c>thinking</c>
    /// with its budget and no sampling parameters (Anthropic rejects a temperature with thinking).
    /// </summary>
    private ChatOptions Options(ChatOptions? options)
    {
        var maxTokens = options?.MaxOutputTokens is > 0 and var max ? max : _maxTokens;
        var budget = _thinking ? ThinkingBudget(maxTokens) : null;
        var temperature = budget is null ? options?.Temperature ?? _config.Temperature : null;
        var topP = budget is null ? options?.TopP ?? _config.TopP : null;
        var topK = budget is null ? options?.TopK ?? _config.TopK : null;
        var result = options?.Clone() ?? new ChatOptions();
        result.Temperature = null;
        result.TopP = null;
        result.TopK = null;
        result.RawRepresentationFactory = _ =>
        {
            var create = new MessageCreateParams { MaxTokens = maxTokens, Messages = [], Model = _model };
            if (budget is { } tokens)
                create = create with { Thinking = new ThinkingConfigEnabled(tokens) };
            if (temperature is null && topP is null && topK is null)
                return create;
            // This SDK version models no sampling parameters; they go into the body as raw fields.
            var body = new Dictionary<string, JsonElement>(create.RawBodyData);
            if (temperature is { } t)
                body["temperature"] = Number(t);
            if (topP is { } p)
                body["top_p"] = Number(p);
            if (topK is { } k)
                body["top_k"] = Number(k);
            return MessageCreateParams.FromRawUnchecked(create.RawHeaderData, create.RawQueryData, body);
        };
        return result;
    }

    private static JsonElement Number(double value)
    {
        using var doc = JsonDocument.Parse(value.ToString("R", CultureInfo.InvariantCulture));
        return doc.RootElement.Clone();
    }

    public object? GetService(System.Type serviceType, object? serviceKey = null) =>
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
            LlmException mapped => mapped,
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
