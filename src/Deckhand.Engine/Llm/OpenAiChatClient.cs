using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Llm.Resilience;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;
using OaiChatMessage = OpenAI.Chat.ChatMessage;

namespace Deckhand.Engine.Llm;

/// <summary>
/// <see cref="IChatClient"/> over the official OpenAI SDK, for any OpenAI-compatible endpoint. Function calls come back
/// with their raw argument string in <see cref="AIContent.RawRepresentation"/> so the agent can store and echo them
/// byte for byte. Provider errors are mapped to <see cref="LlmException"/> with the API key scrubbed.
/// </summary>
public sealed class OpenAiChatClient : IChatClient
{
    private readonly ChatClient _client;
    private readonly LlmConfig _config;
    private readonly string _model;

    public OpenAiChatClient(LlmConfig config)
    {
        _config = config;
        _model = ModelNames.ForOpenAiEndpoint(config.Model);
        var options = new OpenAIClientOptions
        {
            Endpoint = string.IsNullOrWhiteSpace(config.BaseUrl) ? ModelNames.DefaultBaseUrl(config.Model) : new Uri(config.BaseUrl),
            // RetryingChatClient is the one retry layer and owns the end-to-end timeout of each attempt.
            NetworkTimeout = Timeout.InfiniteTimeSpan,
            RetryPolicy = new ClientRetryPolicy(0),
        };
        if (config.ExtraHeaders is { Count: > 0 } headers)
            options.AddPolicy(new HeadersPolicy(headers), PipelinePosition.PerCall);
        // Local servers (vLLM, Ollama, llama.cpp) take any key; the SDK insists on a non-empty one.
        _client = new ChatClient(_model, new ApiKeyCredential(config.ApiKey?.Value ?? "no-key"), options);
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = OpenAiMessageMapper.ToOpenAi(messages);
        var completionOptions = BuildOptions(options);
        ClientResult<ChatCompletion> result;
        try
        {
            result = await _client.CompleteChatAsync(request, completionOptions, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw MapError(ex);
        }
        // The SDK reads the first choice without checking there is one; an answer without any is an empty reply.
        if (!OpenAiMessageMapper.HasChoices(result.GetRawResponse().Content))
            throw new LlmException(LlmException.NoResponse, "The LLM provider answered without any choice (an empty response).");
        return OpenAiMessageMapper.FromCompletion(result.Value);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = OpenAiMessageMapper.ToOpenAi(messages);
        var completionOptions = BuildOptions(options);
        var stream = _client.CompleteChatStreamingAsync(request, completionOptions, cancellationToken);
        var assembler = new StreamingToolCallAssembler();
        await foreach (var update in ProviderStream.MapErrors(stream, MapError, cancellationToken))
        {
            foreach (var piece in assembler.Add(update))
                yield return piece;
        }
        foreach (var piece in assembler.Complete())
            yield return piece;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, _model) : null;

    public void Dispose()
    {
    }

    private ChatCompletionOptions BuildOptions(ChatOptions? options)
    {
        var result = new ChatCompletionOptions
        {
            MaxOutputTokenCount = options?.MaxOutputTokens ?? _config.MaxOutputTokens,
            Temperature = (float?)(options?.Temperature ?? _config.Temperature),
            TopP = (float?)(options?.TopP ?? _config.TopP),
        };
#pragma warning disable OPENAI001 // Seed and reasoning effort are marked experimental in the SDK; providers accept them.
        result.Seed = options?.Seed ?? _config.Seed;
        // Spec §6.2: reasoning_effort only for models that take it; those reject sampling parameters.
        if (_config.ReasoningEffort is { Length: > 0 } effort && ModelCapabilities.SupportsReasoningEffort(_model))
        {
            result.ReasoningEffortLevel = new ChatReasoningEffortLevel(effort);
            result.Temperature = null;
            result.TopP = null;
        }
#pragma warning restore OPENAI001
        if (options?.Tools is { Count: > 0 } tools)
        {
            foreach (var tool in tools.OfType<AIFunctionDeclaration>())
            {
                result.Tools.Add(ChatTool.CreateFunctionTool(
                    tool.Name, tool.Description, BinaryData.FromString(tool.JsonSchema.GetRawText())));
            }
        }
        if (options?.StopSequences is { Count: > 0 } stops)
        {
            foreach (var stop in stops)
                result.StopSequences.Add(stop);
        }
        return result;
    }

    private LlmException MapError(Exception ex)
    {
        var error = ex switch
        {
            ClientResultException { Status: > 0 } cre => LlmException.FromStatus(cre.Status, ProviderMessage(cre), ex, RetryAfter(cre)),
            OperationCanceledException or TimeoutException => new LlmException(LlmException.Timeout,
                $"The LLM request timed out after {_config.Timeout ?? 0:0.#} s.", null, ex),
            ClientResultException or HttpRequestException or IOException => new LlmException(LlmException.Unavailable,
                $"Could not reach the LLM endpoint: {ex.Message}", null, ex),
            _ => new LlmException(LlmException.BadRequest, ex.Message, null, ex),
        };
        var key = _config.ApiKey?.Value;
        if (string.IsNullOrEmpty(key))
            return error;
        // A provider that echoes the key puts it in the SDK exception's text too, which a logged exception prints:
        // such an inner exception is dropped rather than carried.
        var innerLeaks = ex.ToString().Contains(key, StringComparison.Ordinal);
        return !innerLeaks && !error.Message.Contains(key, StringComparison.Ordinal)
            ? error
            : new LlmException(error.Code, error.Message.Replace(key, "**********", StringComparison.Ordinal), error.StatusCode, innerLeaks ? null : ex)
            {
                RetryAfter = error.RetryAfter,
            };
    }

    private static TimeSpan? RetryAfter(ClientResultException ex)
    {
        var headers = ex.GetRawResponse()?.Headers;
        if (headers is null)
            return null;
        headers.TryGetValue("retry-after-ms", out var milliseconds);
        headers.TryGetValue("retry-after", out var value);
        return RetryBackoff.ParseRetryAfter(milliseconds, value, DateTimeOffset.UtcNow);
    }

    /// <summary>The provider's own error message from an OpenAI-shaped body, else the SDK's text.</summary>
    private static string ProviderMessage(ClientResultException ex)
    {
        try
        {
            var body = ex.GetRawResponse()?.Content?.ToString();
            if (!string.IsNullOrEmpty(body))
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("error", out var err))
                {
                    if (err.ValueKind == JsonValueKind.String)
                        return err.GetString()!;
                    if (err.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                        return message.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
        }
        return ex.Message.Split('\n')[0];
    }

    private sealed class HeadersPolicy(IReadOnlyDictionary<string, string> headers) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Apply(PipelineMessage message)
        {
            foreach (var (name, value) in headers)
                message.Request.Headers.Set(name, value);
        }
    }
}
