using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Storage;
using Deckhand.Engine.Tools;
using Deckhand.Testing.Llm;

namespace Deckhand.Engine.Tests.Support;

/// <summary>
/// The engine with its real LLM clients (OpenAI and Anthropic SDKs) against the scripted LLM server, a real SQLite
/// store and the built-in tools: a test scripts the replies, runs one conversation to the end of its run and reads
/// what was stored and what went over the wire.
/// </summary>
internal sealed class ScriptedAgent : IAsyncDisposable
{
    public const string ApiKey = "sk-engine-test-key-42";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDatabase _db = new();
    private readonly SqliteConversationStore _store;

    private ScriptedAgent(ScriptedLlmServer llm)
    {
        Llm = llm;
        _store = new SqliteConversationStore(_db.DatabasePath);
        Service = new ConversationService(_store, new LlmClientFactory(), new ToolRegistry(),
            new EngineOptions { DataDir = _db.DataDir, IdleUnloadAfter = TimeSpan.FromMinutes(20) });
    }

    public ScriptedLlmServer Llm { get; }

    public ConversationService Service { get; }

    public static async Task<ScriptedAgent> StartAsync() => new(await ScriptedLlmServer.StartAsync());

    /// <summary>An OpenAI-compatible LLM on the scripted server; retries fast, so retry tests take milliseconds.</summary>
    public LlmConfig OpenAi(string model = "openai/scripted-model") => new()
    {
        Model = model,
        BaseUrl = Llm.BaseUrl.ToString(),
        ApiKey = new SecretString(ApiKey),
        NumRetries = 1,
        RetryMultiplier = 0.01,
        RetryMinWait = 0.01,
        RetryMaxWait = 0.02,
        Timeout = 30,
    };

    /// <summary>An Anthropic LLM on the scripted server's Messages API.</summary>
    public LlmConfig Anthropic(string model = "anthropic/claude-sonnet-4-5") => OpenAi(model) with { BaseUrl = Llm.AnthropicBaseUrl.ToString() };

    /// <summary>Creates a conversation, sends <paramref name="task"/> and waits for the run to end.</summary>
    public async Task<ConversationRunner> RunAsync(AgentSpec agent, string task = "Do the task.")
    {
        var (runner, _) = await Service.CreateAsync(new StartConversationRequest
        {
            Workspace = new Workspace { WorkingDir = Path.GetTempPath() },
            Agent = agent,
        });
        await runner.SendMessageAsync(new Message { Role = MessageRole.User, Content = [new TextContent(task)] }, run: true);
        await runner.LoopTask.WaitAsync(RunTimeout);
        return runner;
    }

    /// <summary>Sends another message to <paramref name="runner"/> and waits for that run to end.</summary>
    public static async Task ContinueAsync(ConversationRunner runner, string text)
    {
        await runner.SendMessageAsync(new Message { Role = MessageRole.User, Content = [new TextContent(text)] }, run: true);
        await runner.LoopTask.WaitAsync(RunTimeout);
    }

    /// <summary>Every stored event of the conversation, in order.</summary>
    public IReadOnlyList<Event> Events(ConversationRunner runner) =>
        [.. _store.ReadEvents(runner.Id, 0, 10_000).Select(e => e.Event)];

    /// <summary>The conversation as <c>GET /api/conversations/{id}</c> shows it, as JSON.</summary>
    public static string InfoJson(ConversationRunner runner) =>
        System.Text.Json.JsonSerializer.Serialize(runner.Info, DeckhandJson.Wire.ConversationInfo);

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        _store.Dispose();
        await Llm.DisposeAsync();
        _db.Dispose();
    }
}
