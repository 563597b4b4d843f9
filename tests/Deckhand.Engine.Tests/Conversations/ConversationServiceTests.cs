using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Storage;
using Deckhand.Engine.Tests.Support;
using Deckhand.Engine.Tools;
using Microsoft.Extensions.AI;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Tests.Conversations;

public sealed class ConversationServiceTests : IAsyncDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(10);

    private readonly TempDatabase _db = new();
    private readonly FakeChatClient _llm = new();
    private readonly List<IAsyncDisposable> _services = [];
    private readonly List<IDisposable> _stores = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        foreach (var store in _stores)
            store.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Sweep_UnloadsAnIdleConversation_AndGetRehydratesTheSameStateAndHead()
    {
        var service = NewService(idleUnloadAfter: TimeSpan.Zero);
        var (runner, _) = await service.CreateAsync(Request());
        await runner.SendMessageAsync(UserText("say done"), run: true);
        await runner.LoopTask.WaitAsync(RunTimeout);
        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        var stateBefore = Json(runner.Snapshot);
        var headBefore = runner.HeadSeq;
        Assert.Equal(1, service.LoadedCount);

        Assert.Equal(1, await service.SweepAsync());
        Assert.Equal(0, service.LoadedCount);

        var reloaded = await service.GetAsync(runner.Id);
        Assert.NotNull(reloaded);
        Assert.NotSame(runner, reloaded);
        Assert.Equal(1, service.LoadedCount);
        Assert.Equal(stateBefore, Json(reloaded.Snapshot));
        Assert.Equal(headBefore, reloaded.HeadSeq);

        // The rehydrated runner continues the same log: its next append lands right after the old head.
        _llm.FinishMessage = "done again";
        await reloaded.SendMessageAsync(UserText("once more"), run: true);
        await reloaded.LoopTask.WaitAsync(RunTimeout);
        Assert.Equal(ExecutionStatus.Finished, reloaded.Snapshot.State.ExecutionStatus);
        var seqs = service.Store.ReadEvents(runner.Id, 0, 1000).Select(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        Assert.True(seqs.Count > headBefore);
        // The second run saw the first run's history.
        Assert.Contains(_llm.Calls[^1], m => m.Role == ChatRole.Tool);
    }

    [Fact]
    public async Task Message_SentWithRunDuringAStep_GetsAStepOfItsOwn_EvenWhenThatStepFinishesTheTurn()
    {
        var service = NewService();
        var (runner, _) = await service.CreateAsync(Request());
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _llm.Hold = hold;
        await runner.SendMessageAsync(UserText("first task"), run: true);
        await _llm.FirstCall.WaitAsync(RunTimeout);

        // The first step is waiting on the model (and will call finish); a second message arrives meanwhile.
        await runner.SendMessageAsync(UserText("second task"), run: true);
        hold.SetResult();
        await runner.LoopTask.WaitAsync(RunTimeout);

        Assert.Equal(2, _llm.Calls.Count);
        Assert.DoesNotContain(_llm.Calls[0], m => m.Text.Contains("second task", StringComparison.Ordinal));
        Assert.Contains(_llm.Calls[1], m => m.Text.Contains("second task", StringComparison.Ordinal));
        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
    }

    [Fact]
    public async Task Sweep_KeepsAConversationThatHasASubscriber()
    {
        var service = NewService(idleUnloadAfter: TimeSpan.Zero);
        var (runner, _) = await service.CreateAsync(Request());
        var subscription = runner.Hub.Subscribe();
        Assert.NotNull(subscription);

        Assert.Equal(0, await service.SweepAsync());
        Assert.Equal(1, service.LoadedCount);
        Assert.Same(runner, await service.GetAsync(runner.Id));

        subscription.Dispose();
        Assert.Equal(1, await service.SweepAsync());
        Assert.Equal(0, service.LoadedCount);
    }

    [Fact]
    public async Task Sweep_KeepsAConversationWhoseRunIsInFlight()
    {
        var service = NewService(idleUnloadAfter: TimeSpan.Zero);
        var (runner, _) = await service.CreateAsync(Request());
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _llm.Hold = hold;
        await runner.SendMessageAsync(UserText("go"), run: true);
        await _llm.FirstCall.WaitAsync(RunTimeout);

        Assert.True(runner.IsRunning);
        Assert.Equal(0, await service.SweepAsync());
        Assert.Equal(1, service.LoadedCount);

        hold.SetResult();
        await runner.LoopTask.WaitAsync(RunTimeout);
        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(1, await service.SweepAsync());
        Assert.Equal(0, service.LoadedCount);
    }

    [Fact]
    public async Task StartAsync_AfterACrashMidTool_ClosesTheOpenAction_MarksError_AndRunContinuesToFinish()
    {
        var snapshot = Build.Snapshot(status: ExecutionStatus.Running);
        var id = snapshot.State.Id;
        var done = Build.Think("first step", "call_think_1");
        var open = Build.Think("second step", "call_think_2");
        using (var crashed = new SqliteConversationStore(_db.DatabasePath))
        {
            Assert.True(crashed.Create(snapshot));
            crashed.Append(id, 1, Build.Numbered(1, Build.SystemPrompt(), Build.UserMessage("two steps please"), done, Build.ThinkResult(done), open),
                snapshot);
        }

        var service = NewService();
        await service.StartAsync();

        var runner = await service.GetAsync(id);
        Assert.NotNull(runner);
        Assert.Equal(ExecutionStatus.Error, runner.Snapshot.State.ExecutionStatus);
        var added = service.Store.ReadEvents(id, 5, 100).Select(e => e.Event).ToList();
        var closed = Assert.Single(added.OfType<AgentErrorEvent>());
        Assert.Equal(open.ToolCallId, closed.ToolCallId);
        Assert.Equal(open.Id, closed.ParentId);
        Assert.Equal("think", closed.ToolName);
        var restart = Assert.Single(added.OfType<ConversationErrorEvent>());
        Assert.Equal("ServerRestarted", restart.Code);
        Assert.Contains(added.OfType<ConversationStateUpdateEvent>(),
            u => u.Key == "execution_status" && u.Value.GetString() == "error");
        Assert.True(added.IndexOf(closed) < added.IndexOf(restart));
        Assert.Equal([id], service.Store.ListByStatus(ExecutionStatus.Error));

        Assert.Equal(RunStart.Started, await runner.RunAsync());
        await runner.LoopTask.WaitAsync(RunTimeout);

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        var finish = service.Store.ReadEvents(id, 0, 100).Select(e => e.Event).OfType<ActionEvent>().Last();
        Assert.Equal("done", Assert.IsType<FinishAction>(finish.Action).Message);
        // The model was shown the interrupted call with its error result, so its history stayed well-formed.
        var sent = Assert.Single(_llm.Calls);
        var results = sent.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
        Assert.Equal(["call_think_1", "call_think_2"], results.Select(r => r.CallId));
        Assert.Contains("restarted", results[1].Result?.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task StartAsync_LeavesConversationsThatWereNotRunningAlone()
    {
        var idle = Build.Snapshot(status: ExecutionStatus.Finished);
        using (var store = new SqliteConversationStore(_db.DatabasePath))
        {
            store.Create(idle);
            store.Append(idle.State.Id, 1, Build.Numbered(1, Build.SystemPrompt(), Build.UserMessage("hi")), idle);
        }

        var service = NewService();
        await service.StartAsync();

        Assert.Equal(2, service.Store.Load(idle.State.Id)!.Value.HeadSeq);
        Assert.Equal(ExecutionStatus.Finished, (await service.GetAsync(idle.State.Id))!.Snapshot.State.ExecutionStatus);
        Assert.Empty(_llm.Calls);
    }

    private ConversationService NewService(TimeSpan? idleUnloadAfter = null)
    {
        var store = new SqliteConversationStore(_db.DatabasePath);
        _stores.Add(store);
        var options = new EngineOptions { DataDir = _db.DataDir, IdleUnloadAfter = idleUnloadAfter ?? TimeSpan.FromMinutes(20) };
        var service = new ConversationService(store, _llm, new ToolRegistry(), options);
        _services.Add(service);
        return service;
    }

    private static StartConversationRequest Request() => new()
    {
        Workspace = new Workspace { WorkingDir = Path.GetTempPath() },
        Agent = new AgentSpec { Llm = new LlmConfig { Model = "openai/fake-model", NumRetries = 1 } },
    };

    private static Message UserText(string text) => new() { Role = MessageRole.User, Content = [new TextContent(text)] };

    private static string Json(ConversationSnapshot snapshot) => JsonSerializer.Serialize(snapshot, DeckhandJson.Storage.ConversationSnapshot);
}
