using Deckhand.AgentServer;
using Deckhand.Client;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Conversations;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Bench;

/// <summary>An agent-server in this process on a free loopback port, with a temp data dir and workspace.</summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;

    private InProcessServer(WebApplication app, string root, Uri baseAddress)
    {
        _app = app;
        _root = root;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Client = new AgentServerClient(Http);
    }

    public HttpClient Http { get; }

    public AgentServerClient Client { get; }

    public string WorkingDir => Path.Combine(_root, "work");

    public static async Task<InProcessServer> StartAsync(Deckhand.Engine.Isolation.IsolationOptions? isolation = null)
    {
        var root = Directory.CreateTempSubdirectory("deckhand-bench-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "work"));
        Directory.CreateDirectory(Path.Combine(root, "data"));
        var app = AgentServerApp.Build(new AgentServerOptions
        {
            Host = "127.0.0.1", Port = 0, DataDir = Path.Combine(root, "data"),
            Isolation = isolation ?? new Deckhand.Engine.Isolation.IsolationOptions(),
        });
        await AgentServerApp.StartAsync(app);
        return new InProcessServer(app, root, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }

    public StartConversationRequest Conversation(Uri llm, string? initialMessage) => Requests.Conversation(WorkingDir, llm, initialMessage);

    /// <summary>Polls the conversation until it reaches <paramref name="status"/>; throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForStatusAsync(Guid id, ExecutionStatus status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var info = await Client.GetConversationAsync(id) ?? throw new InvalidOperationException($"Conversation {id} vanished.");
            if (info.ExecutionStatus == status)
                return;
            if (info.ExecutionStatus is ExecutionStatus.Error or ExecutionStatus.Stuck || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"Conversation {id} is {info.ExecutionStatus}, expected {status}.");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Request bodies shared by the in-process and child-process benchmarks.</summary>
internal static class Requests
{
    public static StartConversationRequest Conversation(string workingDir, Uri llm, string? initialMessage) => new()
    {
        Workspace = new Workspace { WorkingDir = workingDir },
        Agent = new AgentSpec
        {
            Llm = new LlmConfig { Model = "openai/test", BaseUrl = llm.ToString(), ApiKey = new("k"), NumRetries = 1 },
        },
        InitialMessage = initialMessage is null ? null : new SendMessageRequest { Content = [new TextContent(initialMessage)] },
        MaxIterations = 100_000,
        StuckDetection = false,
    };
}
