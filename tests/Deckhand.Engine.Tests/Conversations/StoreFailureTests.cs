using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Message = Deckhand.Contracts.Llm.Message;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Events;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Storage;
using Deckhand.Engine.Tools;
using Microsoft.Extensions.AI;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Tests.Conversations;

/// <summary>A run whose outcome cannot even be recorded must still end, so the conversation is never wedged "running".</summary>
public sealed class StoreFailureTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "deckhand-flaky-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AppendFailingMidRun_EndsTheLoop_AndALaterRunCanStart()
    {
        using var inner = new SqliteConversationStore(Path.Combine(_dir, "db.sqlite"));
        var store = new FlakyStore(inner);
        await using var service = new ConversationService(store, new FinishingLlm(), new ToolRegistry(), new EngineOptions { DataDir = _dir });
        var (runner, _) = await service.CreateAsync(new StartConversationRequest
        {
            Workspace = new Workspace { WorkingDir = _dir },
            Agent = new AgentSpec { Llm = new LlmConfig { Model = "fake" } },
        });
        await runner.SendMessageAsync(new Message { Content = [new TextContent("go")] }, run: false);

        store.Failing = true;
        await Assert.ThrowsAsync<IOException>(() => runner.RunAsync());
        store.Failing = false;
        Assert.False(runner.IsRunning);

        // Fail once the loop is under way: the LLM answered, recording its answer throws, recording the error throws.
        store.FailAfter = 1;
        Assert.Equal(RunStart.Started, await runner.RunAsync());
        await runner.LoopTask.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(runner.IsRunning);

        store.FailAfter = int.MaxValue;
        Assert.Equal(RunStart.Started, await runner.RunAsync());
        await runner.LoopTask.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Delegates to a real store; appends throw while <see cref="Failing"/> or after <see cref="FailAfter"/> more.</summary>
    private sealed class FlakyStore(IConversationStore inner) : IConversationStore
    {
        public bool Failing { get; set; }
        public int FailAfter { get; set; } = int.MaxValue;

        public string Kind => inner.Kind;
        public bool Create(ConversationSnapshot snapshot) => inner.Create(snapshot);

        public void Append(Guid conversationId, long firstSeq, IReadOnlyList<StoredEvent> events, ConversationSnapshot? snapshot)
        {
            if (Failing || FailAfter-- <= 0)
                throw new IOException("disk full");
            inner.Append(conversationId, firstSeq, events, snapshot);
        }

        public void SaveSnapshot(Guid conversationId, ConversationSnapshot snapshot) => inner.SaveSnapshot(conversationId, snapshot);
        public (ConversationSnapshot Snapshot, long HeadSeq)? Load(Guid conversationId) => inner.Load(conversationId);
        public bool Delete(Guid conversationId) => inner.Delete(conversationId);
        public IReadOnlyList<StoredEvent> ReadEvents(Guid conversationId, long afterSeq, int limit, long upToSeq = long.MaxValue) =>
            inner.ReadEvents(conversationId, afterSeq, limit, upToSeq);
        public IReadOnlyList<RawEvent> ReadRawEvents(Guid conversationId, long afterSeq, int limit) => inner.ReadRawEvents(conversationId, afterSeq, limit);
        public StoredEvent? GetEvent(Guid conversationId, string eventId) => inner.GetEvent(conversationId, eventId);
        public EventSearchResult SearchEvents(Guid conversationId, EventQuery query) => inner.SearchEvents(conversationId, query);
        public long CountEvents(Guid conversationId, EventFilter filter) => inner.CountEvents(conversationId, filter);
        public ConversationSearchResult SearchConversations(ConversationQuery query) => inner.SearchConversations(query);
        public long CountConversations(ExecutionStatus? status) => inner.CountConversations(status);
        public IReadOnlyList<Guid> ListByStatus(ExecutionStatus status) => inner.ListByStatus(status);
        public bool CreateFork(Guid sourceId, long upToSeq, ConversationSnapshot fork, IReadOnlyList<StoredEvent> extra) =>
            inner.CreateFork(sourceId, upToSeq, fork, extra);
        public IReadOnlyList<Guid> ListChildren(Guid parentId) => inner.ListChildren(parentId);
        public void Dispose() => inner.Dispose();
    }

    /// <summary>An LLM that always calls finish.</summary>
    private sealed class FinishingLlm : ILlmClientFactory, IChatClient
    {
        public IChatClient Create(LlmConfig config) => this;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant,
                [new FunctionCallContent("call_1", "finish", new Dictionary<string, object?>()) { RawRepresentation = """{"message":"done"}""" }]))
            {
                ResponseId = "resp-1",
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
