using System.Runtime.CompilerServices;
using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;

namespace Deckhand.Engine.Llm.Resilience;

/// <summary>
/// The one retry layer over a provider client (the SDKs' own retries are off). Each attempt gets the config's
/// <c>timeout</c>; rate limits, unavailability, timeouts and empty replies are retried up to <c>num_retries</c> attempts
/// in all, waiting per <see cref="RetryBackoff"/>; anything else (credentials, bad requests, context window, content
/// policy) fails at once. An empty reply (no choice, or one with no text, reasoning or tool call) is retried at
/// temperature 1.0 when the request asked for 0 (spec §6.3): the same prompt at 0 tends to give the same nothing. If the
/// last attempt is still empty but had a choice, that reply is returned and the agent nudges the model. The caller's token (an interrupt) cancels an attempt or a wait immediately. Before each
/// wait, the callback attached with <see cref="LlmRetryNotice.Attach"/> is told, so the conversation can show it.
/// </summary>
public sealed class RetryingChatClient : DelegatingChatClient
{
    private static readonly ResiliencePropertyKey<Func<LlmRetryNotice, CancellationToken, Task>> NotifyKey = new("deckhand.llm_retry");
    private static readonly ResiliencePropertyKey<bool> HotterKey = new("deckhand.no_response");

    private readonly ResiliencePipeline _pipeline;
    private readonly int _maxAttempts;
    private readonly TimeSpan? _timeout;
    private readonly double? _temperature;

    public RetryingChatClient(IChatClient inner, LlmConfig config, Func<double>? random = null) : base(inner)
    {
        _maxAttempts = Math.Max(1, config.NumRetries);
        _temperature = config.Temperature;
        _timeout = config.Timeout is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null;
        var next = random ?? Random.Shared.NextDouble;
        _pipeline = _maxAttempts == 1
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _maxAttempts - 1,
                ShouldHandle = new PredicateBuilder().Handle<LlmException>(e => IsRetryable(e.Code)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryBackoff.Delay(args.AttemptNumber + 1,
                    config.RetryMultiplier, config.RetryMinWait, config.RetryMaxWait,
                    (args.Outcome.Exception as LlmException)?.RetryAfter, next())),
                OnRetry = NotifyAsync,
            }).Build();
    }

    /// <summary>Failures worth another attempt (spec §6.3); the rest would fail the same way again.</summary>
    public static bool IsRetryable(string code) =>
        code is LlmException.RateLimit or LlmException.Unavailable or LlmException.Timeout or LlmException.NoResponse;

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var notify = LlmRetryNotice.Detach(ref options);
        var context = Rent(notify, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static (ctx, s) => new ValueTask<ChatResponse>(s.self.AttemptAsync(s.messages,
                    ctx.Properties.TryGetValue(HotterKey, out var hotter) && hotter ? s.self.Hotter(s.options) : s.options, ctx.CancellationToken)),
                context, (self: this, messages, options));
        }
        catch (LlmException ex) when (ex.EmptyResponse is { } empty)
        {
            return empty;
        }
        catch (LlmException ex) when (_maxAttempts > 1 && IsRetryable(ex.Code))
        {
            throw GaveUp(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// Retries cover opening the stream, up to its first update: once updates were handed on they cannot be taken
    /// back, so a failure after that ends the stream. The timeout likewise bounds the wait for the first update.
    /// </summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var notify = LlmRetryNotice.Detach(ref options);
        var context = Rent(notify, cancellationToken);
        OpenedStream opened;
        try
        {
            opened = await _pipeline.ExecuteAsync(
                static (ctx, s) => new ValueTask<OpenedStream>(s.self.OpenStreamAsync(s.messages, s.options, ctx.CancellationToken)),
                context, (self: this, messages, options));
        }
        catch (LlmException ex) when (_maxAttempts > 1 && IsRetryable(ex.Code))
        {
            throw GaveUp(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        await using var stream = opened;
        if (opened.First is null)
            yield break;
        yield return opened.First;
        while (await opened.Updates.MoveNextAsync())
            yield return opened.Updates.Current;
    }

    private async Task<ChatResponse> AttemptAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout is { } timeout)
            attempt.CancelAfter(timeout);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, attempt.Token);
        }
        catch (Exception ex) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not LlmException { Code: not LlmException.Timeout and not LlmException.Unavailable })
        {
            throw TimedOut(ex);
        }
        if (IsEmpty(response))
        {
            throw new LlmException(LlmException.NoResponse, "The LLM answered with nothing: no text, reasoning or tool call.")
            {
                EmptyResponse = response,
            };
        }
        return response;
    }

    /// <summary>True when no assistant message of the reply has text, reasoning, a thinking block or a tool call.</summary>
    internal static bool IsEmpty(ChatResponse response) =>
        !response.Messages.Where(m => m.Role == ChatRole.Assistant).SelectMany(m => m.Contents).Any(c => c switch
        {
            TextContent text => !string.IsNullOrWhiteSpace(text.Text),
            TextReasoningContent reasoning => !string.IsNullOrWhiteSpace(reasoning.Text),
            FunctionCallContent or ThinkingBlockContent => true,
            _ => false,
        });

    /// <summary>The options at temperature 1.0 when they asked for 0, for the attempt after an empty reply.</summary>
    private ChatOptions? Hotter(ChatOptions? options)
    {
        if ((options?.Temperature ?? _temperature) != 0)
            return options;
        var hotter = options?.Clone() ?? new ChatOptions();
        hotter.Temperature = 1.0f;
        return hotter;
    }

    private async Task<OpenedStream> OpenStreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout is { } timeout)
            attempt.CancelAfter(timeout);
        var updates = base.GetStreamingResponseAsync(messages, options, attempt.Token).GetAsyncEnumerator(attempt.Token);
        try
        {
            var first = await updates.MoveNextAsync() ? updates.Current : null;
            // Disarm the timeout: from here on the stream runs as long as the provider keeps sending.
            attempt.CancelAfter(Timeout.InfiniteTimeSpan);
            return new OpenedStream(updates, first, attempt);
        }
        catch (Exception ex)
        {
            var timedOut = attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            await updates.DisposeAsync();
            attempt.Dispose();
            if (timedOut && ex is not LlmException { Code: not LlmException.Timeout and not LlmException.Unavailable })
                throw TimedOut(ex);
            throw;
        }
    }

    private static ResilienceContext Rent(Func<LlmRetryNotice, CancellationToken, Task>? notify, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        if (notify is not null)
            context.Properties.Set(NotifyKey, notify);
        return context;
    }

    private async ValueTask NotifyAsync(OnRetryArguments<object> args)
    {
        if (args.Outcome.Exception is LlmException { Code: LlmException.NoResponse })
            args.Context.Properties.Set(HotterKey, true);
        if (!args.Context.Properties.TryGetValue(NotifyKey, out var notify) || args.Outcome.Exception is not LlmException failure)
            return;
        var notice = new LlmRetryNotice(args.AttemptNumber + 2, _maxAttempts, args.RetryDelay, failure.Code, failure.Message);
        await notify(notice, args.Context.CancellationToken);
    }

    private LlmException TimedOut(Exception inner) =>
        new(LlmException.Timeout, $"The LLM request timed out after {_timeout!.Value.TotalSeconds:0.##} s.", null, inner);

    private LlmException GaveUp(LlmException last) =>
        new(last.Code, $"{last.Message.TrimEnd('.')}. Gave up after {_maxAttempts} attempts.", last.StatusCode, last) { RetryAfter = last.RetryAfter };

    /// <summary>A provider stream whose first update has arrived, with the token source that cancels the rest.</summary>
    private sealed class OpenedStream(IAsyncEnumerator<ChatResponseUpdate> updates, ChatResponseUpdate? first, CancellationTokenSource attempt)
        : IAsyncDisposable
    {
        public IAsyncEnumerator<ChatResponseUpdate> Updates { get; } = updates;
        public ChatResponseUpdate? First { get; } = first;

        public async ValueTask DisposeAsync()
        {
            await Updates.DisposeAsync();
            attempt.Dispose();
        }
    }
}
