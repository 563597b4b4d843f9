using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Llm.Resilience;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Tests.Llm;

public sealed class RetryingChatClientTests
{
    private static LlmConfig Config(int attempts, double? timeout = null) => new()
    {
        NumRetries = attempts,
        RetryMultiplier = 0.01,
        RetryMinWait = 0.01,
        RetryMaxWait = 0.05,
        Timeout = timeout,
    };

    [Fact]
    public async Task RetryableFailures_AreRetried_AndEachWaitIsAnnounced()
    {
        var inner = new ScriptedClient(
            new LlmException(LlmException.RateLimit, "slow down", 429),
            new LlmException(LlmException.Unavailable, "down", 503));
        using var client = new RetryingChatClient(inner, Config(5), () => 0.5);
        var notices = new List<LlmRetryNotice>();
        var options = LlmRetryNotice.Attach(new ChatOptions(), (n, _) => { notices.Add(n); return Task.CompletedTask; });

        var response = await client.GetResponseAsync("hi", options, TestContext.Current.CancellationToken);

        Assert.Equal("ok", response.Text);
        Assert.Equal(3, inner.Calls);
        Assert.Equal([(2, LlmException.RateLimit), (3, LlmException.Unavailable)], notices.Select(n => (n.Attempt, n.Code)));
        Assert.All(notices, n => Assert.Equal(5, n.MaxAttempts));
        Assert.Equal("The LLM provider is rate limiting requests; retrying in 0.01 s (attempt 2 of 5)", notices[0].Message);
        // The callback is ours: the provider never sees it.
        Assert.All(inner.Options, o => Assert.Null(o?.AdditionalProperties));
    }

    [Theory]
    [InlineData(LlmException.Authentication)]
    [InlineData(LlmException.BadRequest)]
    [InlineData(LlmException.ContextWindowExceeded)]
    [InlineData(LlmException.ContentPolicy)]
    public async Task PermanentFailures_AreNotRetried(string code)
    {
        var inner = new ScriptedClient(new LlmException(code, "no"));
        using var client = new RetryingChatClient(inner, Config(5));
        var error = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("hi", null, TestContext.Current.CancellationToken));
        Assert.Equal(code, error.Code);
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task Interrupt_DuringABackoffWait_CancelsAtOnce()
    {
        var inner = new ScriptedClient(new LlmException(LlmException.RateLimit, "slow down", 429) { RetryAfter = TimeSpan.FromMinutes(5) });
        var config = Config(3);
        config.RetryMaxWait = 600;
        using var client = new RetryingChatClient(inner, config);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var options = LlmRetryNotice.Attach(new ChatOptions(), (_, _) =>
        {
            interrupt.Cancel();
            return Task.CompletedTask;
        });

        var call = client.GetResponseAsync("hi", options, interrupt.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task HungAttempt_TimesOut_IsRetried_ThenFailsAsTimeout()
    {
        var inner = new ScriptedClient(ScriptedClient.Hang, ScriptedClient.Hang);
        using var client = new RetryingChatClient(inner, Config(2, timeout: 0.1));
        var error = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("hi", null, TestContext.Current.CancellationToken));
        Assert.Equal(LlmException.Timeout, error.Code);
        Assert.Contains("timed out after 0.1 s", error.Message);
        Assert.Contains("Gave up after 2 attempts", error.Message);
        Assert.Equal(2, inner.Calls);
    }

    /// <summary>Throws the scripted exceptions in turn (or hangs until cancelled), then answers "ok".</summary>
    private sealed class ScriptedClient(params Exception?[] failures) : IChatClient
    {
        public static readonly Exception? Hang = null;
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);
        public List<ChatOptions?> Options { get; } = [];

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            var call = Interlocked.Increment(ref _calls) - 1;
            Options.Add(options);
            if (call < failures.Length)
            {
                if (failures[call] is { } failure)
                    throw failure;
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
