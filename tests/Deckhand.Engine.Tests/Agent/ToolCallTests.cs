using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Tools;
using Microsoft.Extensions.AI;
using Message = Deckhand.Contracts.Llm.Message;
using TextContent = Deckhand.Contracts.Content.TextContent;

namespace Deckhand.Engine.Tests.Agent;

/// <summary>How one LLM response's tool calls run: concurrency limit, per-key exclusion, result order, aliases.</summary>
public sealed class ToolCallTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "deckhand-toolcalls-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(1, "alone")]
    [InlineData(2, "met")]
    public async Task ToolConcurrencyLimit_DecidesWhetherCallsOverlap_AndResultsKeepCallOrder(int limit, string expected)
    {
        var rendezvous = new Rendezvous(parties: 2);
        var llm = new ScriptedChat(
            [Call("call_a", "meet", """{"who":"a"}"""), Call("call_b", "meet", """{"who":"b"}""")],
            [Call("call_f", "finish", """{"message":"bye"}""")]);
        var events = await RunAsync(llm, limit, registry => registry.Register("meet", _ => new MeetTool(rendezvous)));

        var results = events.OfType<ObservationEvent>().Where(o => o.ToolName == "meet").ToList();
        Assert.Equal(["call_a", "call_b"], results.Select(r => r.ToolCallId));
        Assert.All(results, r => Assert.StartsWith(expected, r.Observation.Text()));
    }

    [Fact]
    public async Task SameConcurrencyKey_NeverRunsTogether_EvenWithAHighLimit()
    {
        var rendezvous = new Rendezvous(parties: 2);
        var llm = new ScriptedChat(
            [Call("call_a", "meet", """{"who":"a","key":"same"}"""), Call("call_b", "meet", """{"who":"b","key":"same"}""")],
            [Call("call_f", "finish", """{"message":"bye"}""")]);
        var events = await RunAsync(llm, limit: 4, registry => registry.Register("meet", _ => new MeetTool(rendezvous)));
        Assert.All(events.OfType<ObservationEvent>().Where(o => o.ToolName == "meet"), r => Assert.StartsWith("alone", r.Observation.Text()));
    }

    [Theory]
    [InlineData("str_replace_editor")]
    [InlineData("meet<|call|>")]
    public async Task AliasesAndJunkSuffixes_ResolveToTheTool_KeepingTheModelsName(string name)
    {
        var llm = new ScriptedChat([Call("call_a", name, """{"who":"a"}""")], [Call("call_f", "finish", """{"message":"bye"}""")]);
        var events = await RunAsync(llm, 1, registry =>
        {
            registry.Register("meet", _ => new MeetTool(new Rendezvous(1)));
            registry.Register("file_editor", _ => new MeetTool(new Rendezvous(1), "file_editor"));
        });
        var action = events.OfType<ActionEvent>().First();
        Assert.NotNull(action.Action);
        Assert.Equal(name, action.ToolCall.Name);
        Assert.NotEqual(name, action.ToolName);
        Assert.Single(events.OfType<ObservationEvent>(), o => o.ToolCallId == "call_a");
        // The model's own name goes back to it in the history.
        Assert.Contains(llm.Requests[1].SelectMany(m => m.Contents).OfType<FunctionCallContent>(), c => c.Name == name);
    }

    private async Task<List<Event>> RunAsync(ScriptedChat llm, int limit, Action<ToolRegistry> register)
    {
        var registry = new ToolRegistry();
        register(registry);
        using var store = new Deckhand.Engine.Storage.SqliteConversationStore(Path.Combine(_dir, "db.sqlite"));
        await using var service = new ConversationService(store, llm, registry, new EngineOptions { DataDir = _dir });
        var (runner, _) = await service.CreateAsync(new StartConversationRequest
        {
            Workspace = new Workspace { WorkingDir = _dir },
            Agent = new AgentSpec
            {
                Llm = new LlmConfig { Model = "fake" },
                Tools = [new ToolSpec { Name = "meet" }, new ToolSpec { Name = "file_editor" }],
                ToolConcurrencyLimit = limit,
            },
        });
        await runner.SendMessageAsync(new Message { Content = [new TextContent("go")] }, run: true);
        await runner.LoopTask.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        return [.. store.ReadEvents(runner.Id, 0, 1000).Select(e => e.Event)];
    }

    private static FunctionCallContent Call(string id, string name, string raw) =>
        new(id, name, JsonSerializer.Deserialize<Dictionary<string, object?>>(raw)) { RawRepresentation = raw };

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

    /// <summary>Lets calls meet: "met" only when all parties were running at the same moment.</summary>
    private sealed class Rendezvous(int parties)
    {
        private readonly object _lock = new(); // Monitor.Wait/PulseAll need a monitor object
        private int _inside;
        private int _most;

        public bool Meet()
        {
            lock (_lock)
            {
                _most = Math.Max(_most, ++_inside);
                Monitor.PulseAll(_lock);
                var deadline = DateTime.UtcNow.AddMilliseconds(1500);
                while (_most < parties && DateTime.UtcNow < deadline)
                    Monitor.Wait(_lock, deadline - DateTime.UtcNow);
                var met = _most >= parties;
                _inside--;
                return met;
            }
        }
    }

    /// <summary>A tool whose result says whether every party of the rendezvous was running at once.</summary>
    private sealed class MeetTool(Rendezvous rendezvous, string name = "meet") : ITool
    {
        public string Name => name;

        public ToolDefinition Definition { get; } = new()
        {
            Description = "Meet the others.",
            ActionType = nameof(ThinkAction),
            Kind = "MeetTool",
            Title = name,
        };

        public JsonElement Parameters { get; } = ToolSchema.Parse("""{"type":"object","properties":{"who":{"type":"string"},"key":{"type":"string"}}}""");

        public ToolAction Parse(JsonElement arguments) =>
            new ThinkAction { Thought = arguments.GetRawText() };

        public string ConcurrencyKey(ToolAction action) =>
            ((ThinkAction)action).Thought.Contains("\"key\"", StringComparison.Ordinal) ? "shared" : "own:" + ((ThinkAction)action).Thought;

        public async Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken)
        {
            var met = await Task.Run(rendezvous.Meet, cancellationToken);
            return new ThinkObservation { Content = [new TextContent(met ? "met" : "alone")] };
        }
    }

    /// <summary>Answers each call with the next scripted set of tool calls.</summary>
    private sealed class ScriptedChat(params FunctionCallContent[][] replies) : IChatClient, ILlmClientFactory
    {
        private int _next;

        public List<List<ChatMessage>> Requests { get; } = [];

        public IChatClient Create(LlmConfig config) => this;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Requests.Add([.. messages]);
            var calls = replies[Math.Min(_next++, replies.Length - 1)];
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [.. calls])) { ResponseId = "resp-" + _next });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
