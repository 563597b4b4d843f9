using System.Diagnostics;
using Deckhand.Testing.Llm;
using OpenAI.Chat;

namespace Deckhand.Testing.Tests.Llm;

/// <summary>Delayed, hanging and interrupted replies, and waiting for requests.</summary>
public sealed class ReplyTimingTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private ScriptedLlmServer _server = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await ScriptedLlmServer.StartAsync(Token);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task DelayedReply_AnswersAfterItsDelay()
    {
        var delay = TimeSpan.FromMilliseconds(150);
        _server.Enqueue(ScriptedReply.Delay(delay, ScriptedReply.Text("late")));
        var stopwatch = Stopwatch.StartNew();

        ChatCompletion completion = await OpenAiTestClients.Chat(_server).CompleteChatAsync(
            [new UserChatMessage("hi")], cancellationToken: Token);

        Assert.Equal("late", completion.Content[0].Text);
        Assert.True(stopwatch.Elapsed >= delay, $"answered after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task HangingReply_EndsWhenClientCancels_AndRecordsTheAbort()
    {
        _server.Enqueue(ScriptedReply.Hang(), ScriptedReply.Text("after the interrupt"));
        var client = OpenAiTestClients.Chat(_server);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var call = client.CompleteChatAsync([new UserChatMessage("long task")], cancellationToken: interrupt.Token);
        var hung = await _server.WaitForRequestAsync(0, Patience, Token);
        Assert.False(hung.Aborted.IsCompleted);
        await interrupt.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await hung.Aborted.WaitAsync(Patience, Token);
        ChatCompletion next = await client.CompleteChatAsync([new UserChatMessage("again")], cancellationToken: Token);
        Assert.Equal("after the interrupt", next.Content[0].Text);
    }

    [Fact]
    public async Task LongDelay_IsCutShortWhenClientCancels()
    {
        _server.Enqueue(ScriptedReply.Delay(TimeSpan.FromMinutes(5)));
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var call = OpenAiTestClients.Chat(_server).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: interrupt.Token);
        var request = await _server.WaitForRequestAsync(0, Patience, Token);
        await interrupt.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await request.Aborted.WaitAsync(Patience, Token);
    }

    [Fact]
    public async Task Stream_InterruptedBetweenChunks_RecordsTheAbort()
    {
        _server.Enqueue(ScriptedReply.Text("a long answer that streams slowly") with { ChunkInterval = TimeSpan.FromMinutes(5) });
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Token);
        using var http = OpenAiTestClients.HttpClientWithoutResponseDrain();
        var updates = OpenAiTestClients.Chat(_server, http: http).CompleteChatStreamingAsync(
            [new UserChatMessage("hi")], cancellationToken: interrupt.Token);

        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in updates)
            {
                received++;
                await interrupt.CancelAsync();
            }
        });

        Assert.Equal(1, received);
        var request = await _server.WaitForRequestAsync(0, Patience, Token);
        await request.Aborted.WaitAsync(Patience, Token);
    }

    [Fact]
    public async Task WaitForRequest_CompletesWhenTheRequestArrivesLater()
    {
        _server.Enqueue(ScriptedReply.Text("one"), ScriptedReply.Text("two"));
        var waiting = _server.WaitForRequestAsync(1, Patience, Token);
        Assert.False(waiting.IsCompleted);
        var client = OpenAiTestClients.Chat(_server);

        await client.CompleteChatAsync([new UserChatMessage("first")], cancellationToken: Token);
        await client.CompleteChatAsync([new UserChatMessage("second")], cancellationToken: Token);

        var second = await waiting;
        Assert.Equal(1, second.Index);
        Assert.Equal("second", second.MessageText(^1));
    }

    [Fact]
    public async Task WaitForRequest_ThrowsTimeout_WhenNoRequestArrives()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => _server.WaitForRequestAsync(0, TimeSpan.FromMilliseconds(20), Token));

        Assert.Contains("request #0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_ReleasesHangingRequests()
    {
        var server = await ScriptedLlmServer.StartAsync(Token);
        server.Enqueue(ScriptedReply.Hang());
        using var http = new HttpClient();
        using var body = new StringContent("""{"model":"m","messages":[]}""");
        var call = http.PostAsync(new Uri(server.BaseUrl + "/chat/completions"), body, Token);
        await server.WaitForRequestAsync(0, Patience, Token);

        await server.DisposeAsync().AsTask().WaitAsync(Patience, Token);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => call);
    }
}
