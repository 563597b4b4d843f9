using System.CommandLine;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Events;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Storage;
using Deckhand.Engine.Tools;

namespace Deckhand.Cli;

/// <summary>
/// <c>deckhand run "TASK"</c>: one conversation in this process, no server. Never prompts. Streams a readable view
/// (or JSONL events with <c>--json</c>) and exits 0 finished, 1 error, 2 bad usage, 3 stuck or step limit, 130 interrupted.
/// The conversation is stored in the data directory like any other.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var task = new Argument<string>("task") { Description = "What the agent should do." };
        var model = new Option<string?>("--model") { Description = "Model, e.g. openai/gpt-4o (default: LLM_MODEL)." };
        var baseUrl = new Option<string?>("--base-url") { Description = "OpenAI-compatible endpoint (default: LLM_BASE_URL). The key comes from LLM_API_KEY." };
        var workspace = new Option<string?>("--workspace") { Description = "Directory the agent works in (default: the current directory)." };
        var json = new Option<bool>("--json") { Description = "Print events as JSON lines instead of the readable view." };
        var maxIterations = new Option<int>("--max-iterations") { Description = "Most agent steps before stopping with exit code 3.", DefaultValueFactory = _ => 100 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the conversation is stored (default: DECKHAND_DATA_DIR or ~/.local/share/deckhand)." };
        var tools = new Option<string>("--tools")
        {
            Description = "Comma-separated tools the agent gets (finish and think are always there).",
            DefaultValueFactory = _ => string.Join(',', DefaultTools),
        };
        var isolation = new Option<string>("--isolation")
        {
            Description = "Where the agent's shell runs: auto (bubblewrap when available), bubblewrap, or none.",
            DefaultValueFactory = _ => "auto",
        };
        isolation.AcceptOnlyFromAmong("auto", "bubblewrap", "none");
        var command = new Command("run", "Run one task to completion in this process and exit with a status code.")
        {
            task, model, baseUrl, workspace, json, maxIterations, dataDir, tools, isolation,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new RunRequest(
            parse.GetValue(task)!,
            parse.GetValue(model) ?? Environment.GetEnvironmentVariable("LLM_MODEL"),
            parse.GetValue(baseUrl) ?? Environment.GetEnvironmentVariable("LLM_BASE_URL"),
            Environment.GetEnvironmentVariable("LLM_API_KEY"),
            parse.GetValue(workspace) ?? Directory.GetCurrentDirectory(),
            parse.GetValue(json),
            parse.GetValue(maxIterations),
            parse.GetValue(dataDir) ?? DataDirectory.Default(),
            [.. parse.GetValue(tools)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            Enum.Parse<IsolationMode>(parse.GetValue(isolation)!, ignoreCase: true)), cancellationToken));
        return command;
    }

    /// <summary>What a coding task needs: a shell, an editor, a plan, and bounded file search.</summary>
    public static readonly string[] DefaultTools = ["terminal", "file_editor", "task_tracker", "glob", "grep"];

    private sealed record RunRequest(string Task, string? Model, string? BaseUrl, string? ApiKey, string Workspace, bool Json,
        int MaxIterations, string DataDir, IReadOnlyList<string> Tools, IsolationMode Isolation);

    private static async Task<int> RunAsync(RunRequest run, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(run.Task))
            return await UsageAsync("the task must not be empty");
        if (string.IsNullOrWhiteSpace(run.Model))
            return await UsageAsync("no model: pass --model or set LLM_MODEL");
        if (run.BaseUrl is { Length: > 0 } && !Uri.TryCreate(run.BaseUrl, UriKind.Absolute, out _))
            return await UsageAsync("--base-url must be an absolute URL");
        if (run.MaxIterations < 1)
            return await UsageAsync("--max-iterations must be at least 1");
        var workspace = Path.GetFullPath(run.Workspace);
        if (!Directory.Exists(workspace))
            return await UsageAsync($"workspace {workspace} does not exist");

        var registry = new ToolRegistry();
        if (registry.Unknown(run.Tools) is { Count: > 0 } unknown)
            return await UsageAsync($"unknown tool(s) {string.Join(", ", unknown)}; available: {string.Join(", ", registry.UsableNames)}");
        var dataDir = DataDirectory.Prepare(run.DataDir);
        IShellIsolation isolation;
        try
        {
            isolation = ShellIsolation.Create(new IsolationOptions { Mode = run.Isolation }, dataDir);
        }
        catch (InvalidOperationException ex)
        {
            return await UsageAsync(ex.Message);
        }
        using var store = new SqliteConversationStore(Path.Combine(dataDir, "deckhand.db"));
        await using var service = new ConversationService(store, new LlmClientFactory(), registry,
            new EngineOptions { DataDir = dataDir, IdleUnloadAfter = TimeSpan.FromDays(1), Isolation = isolation });
        var (runner, _) = await service.CreateAsync(new StartConversationRequest
        {
            Workspace = new Workspace { WorkingDir = workspace },
            Agent = new AgentSpec
            {
                Llm = new LlmConfig { Model = run.Model!, BaseUrl = run.BaseUrl, ApiKey = SecretString.FromInput(run.ApiKey) },
                Tools = [.. run.Tools.Select(name => new ToolSpec { Name = name })],
            },
            MaxIterations = run.MaxIterations,
        }, CancellationToken.None);

        var view = run.Json ? (IRunView)new JsonLinesView(Console.Out) : new ReadableView(Console.Out);
        using var subscription = runner.Hub.Subscribe(capacity: int.MaxValue)!;
        using var stop = new CancellationTokenSource();
        var printing = PrintAsync(service.Store, runner, subscription, view, stop.Token);
        var interrupted = false;
        try
        {
            await runner.SendMessageAsync(new Message { Content = [new TextContent(run.Task)] }, run: true, cancellationToken);
            await WaitForRunToEndAsync(runner, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            await runner.InterruptAsync(CancellationToken.None);
        }
        await runner.LoopTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        subscription.Dispose();
        await printing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var snapshot = runner.Snapshot;
        view.Done(snapshot, runner.Id);
        return interrupted ? ExitCodes.Interrupted : ExitCodeFor(snapshot.State.ExecutionStatus, LastErrorCode(service.Store, runner.Id));
    }

    /// <summary>The loop may restart (a message arriving as it ends), so wait until it is idle for good.</summary>
    private static async Task WaitForRunToEndAsync(ConversationRunner runner, CancellationToken cancellationToken)
    {
        do
            await runner.LoopTask.WaitAsync(cancellationToken);
        while (runner.IsRunning);
    }

    private static async Task PrintAsync(IConversationStore store, ConversationRunner runner, EventSubscription subscription, IRunView view,
        CancellationToken cancellationToken)
    {
        await foreach (var stored in EventStream.ReplayThenLiveAsync(store, runner.Id, subscription, 0, cancellationToken))
        {
            if (!stored.IsTransient)
                view.Show(stored.Event);
        }
    }

    internal static int ExitCodeFor(ExecutionStatus status, string? lastErrorCode) => status switch
    {
        ExecutionStatus.Finished => ExitCodes.Ok,
        ExecutionStatus.Stuck => ExitCodes.StuckOrLimit,
        ExecutionStatus.Error when lastErrorCode is "MaxIterationsReached" or "MaxBudgetReached" => ExitCodes.StuckOrLimit,
        ExecutionStatus.Paused => ExitCodes.Interrupted,
        _ => ExitCodes.Error,
    };

    private static string? LastErrorCode(IConversationStore store, Guid id) =>
        store.SearchEvents(id, new EventQuery { Filter = new EventFilter { Kind = "ConversationErrorEvent" }, Limit = 1, Descending = true })
            .Items.Select(s => ((Contracts.Events.ConversationErrorEvent)s.Event).Code).FirstOrDefault();

    private static async Task<int> UsageAsync(string message)
    {
        await Console.Error.WriteLineAsync("error: " + message);
        return ExitCodes.BadUsage;
    }
}
