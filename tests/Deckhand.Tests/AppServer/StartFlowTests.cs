using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Testing.Hosting;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AppServer;

/// <summary>
/// README command 1: <c>POST /api/v1/app-conversations</c> with a local repository and an initial message, through a
/// real sandbox (a child agent-server) and the scripted LLM, on both databases.
/// </summary>
public sealed class StartFlowTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string AgentsMarker = "PELICAN-7";
    private const string UserSkillMarker = "OSPREY-3";

    private readonly string _dir = TempDir.Create("deckhand-flow");
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _llm.DisposeAsync();
        TempDir.Delete(_dir);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task StreamStart_LocalRepository_PassesEveryStatusInOrder_RunsTheInitialMessage_HonoursSetupAndPreCommit(string backend)
    {
        var logs = new RecordingLoggerProvider();
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres), logs: logs);
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var repo = AppFlow.CreateRepository(_dir, "widgets", new Dictionary<string, string>
        {
            ["README.md"] = "# widgets\n",
            ["AGENTS.md"] = $"Always mention the code word {AgentsMarker} when you finish.\n",
            [".openhands/setup.sh"] = "echo setup-done > setup-ran.txt\necho 'setup says hello'\n",
            [".openhands/pre-commit.sh"] = "touch \"$(git rev-parse --git-dir)/precommit-ran\"\necho 'blocked by the repository checks' >&2\nexit 1\n",
        });
        // A skill of the user's own, kept by the app server.
        Directory.CreateDirectory(Path.Combine(server.DataDir, "skills"));
        File.WriteAllText(Path.Combine(server.DataDir, "skills", "house-rules.md"), $"Indent with tabs; sign off with {UserSkillMarker}.\n");
        // The agent uses the custom secret (exported to its shell because the command names it), then holds until the
        // test has looked at every process while the conversation runs.
        var running = Path.Combine(_dir, "agent-running-" + backend);
        var gate = Path.Combine(_dir, "agent-may-finish-" + backend);
        _llm.Enqueue(
            ScriptedReply.ToolCall("terminal", new
            {
                command = $"cat setup-ran.txt && echo agent-was-here > agent.txt && echo \"deploy with ${AppFlow.CustomSecretName}\" | tee deploy.txt"
                    + $" && touch '{running}' && while [ ! -e '{gate}' ]; do sleep 0.05; done",
            }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));

        var started = flow.StreamStartAsync($$$"""
            {"selected_repository":"{{{repo}}}","initial_message":{"role":"user","content":[{"type":"text","text":"Look around."}]}}
            """);
        await Wait.UntilAsync(() => Task.FromResult(File.Exists(running)), "the agent's command to run", TimeSpan.FromSeconds(90));
        Procs.AssertNowhereOnACommandLine(AppFlow.LlmKey, AppFlow.CustomSecretValue);
        File.WriteAllText(gate, "");
        var snapshots = await started;

        Assert.Equal(AppFlow.AllStatuses, AppFlow.Statuses(snapshots));
        var first = snapshots[0];
        var ready = snapshots[^1];
        var taskId = first.GetProperty("id").GetString()!;
        Assert.Equal(32, taskId.Length);
        Assert.All(snapshots, s => Assert.Equal(taskId, s.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("sandbox_id").ValueKind);
        Assert.Equal(repo, first.GetProperty("request").GetProperty("selected_repository").GetString());
        var sandboxId = snapshots[1].GetProperty("sandbox_id").GetString()!;
        Assert.Equal(sandboxId, ready.GetProperty("sandbox_id").GetString());
        Assert.Equal(JsonValueKind.Null, snapshots[5].GetProperty("agent_server_url").ValueKind);
        Assert.StartsWith("http://127.0.0.1:", snapshots[6].GetProperty("agent_server_url").GetString());
        var conversationId = ready.GetProperty("app_conversation_id").GetString()!;
        Assert.Equal(32, conversationId.Length);

        // The same task through the polling routes.
        var polled = await flow.TaskAsync(taskId);
        Assert.Equal("READY", polled.GetProperty("status").GetString());
        Assert.Equal(conversationId, polled.GetProperty("app_conversation_id").GetString());
        var search = await flow.JsonAsync(HttpMethod.Get, $"api/v1/app-conversations/start-tasks/search?conversation_id__eq={Guid.Parse(conversationId)}");
        Assert.Equal(taskId, Assert.Single(search.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(1, (await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/start-tasks/count")).GetInt32());

        // The conversation, live from its sandbox; the initial message runs to the end.
        var conversation = await flow.ConversationAsync(conversationId);
        Assert.Equal("RUNNING", conversation.GetProperty("sandbox_status").GetString());
        Assert.Equal(sandboxId, conversation.GetProperty("sandbox_id").GetString());
        Assert.Equal(repo, conversation.GetProperty("selected_repository").GetString());
        Assert.Equal("openai/scripted-model", conversation.GetProperty("llm_model").GetString());
        Assert.EndsWith($"/api/conversations/{conversationId}", conversation.GetProperty("conversation_url").GetString());
        var agent = AppFlow.Agent(conversation);
        var id = Guid.Parse(conversationId);
        await Wait.ForStatusAsync(agent, id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));
        Assert.Equal("finished", (await flow.ConversationAsync(conversationId)).GetProperty("execution_status").GetString());

        // The agent worked in the clone, on a fresh work branch, after the setup script ran there.
        var project = Path.Combine(server.DataDir, "sandboxes", sandboxId, "workspace", "widgets");
        Assert.Equal("setup-done\n", File.ReadAllText(Path.Combine(project, "setup-ran.txt")));
        Assert.Equal("agent-was-here\n", File.ReadAllText(Path.Combine(project, "agent.txt")));
        Assert.StartsWith("openhands-workspace-", Workspaces.Git(project, "rev-parse", "--abbrev-ref", "HEAD").Trim());
        var events = JsonSerializer.Serialize(await agent.AllEventsAsync(id), DeckhandJson.Wire.IReadOnlyListEvent);
        Assert.Contains("setup-done", events);
        Assert.Contains("Look around.", events);
        // The agent had the secret's value; its events (and what the model was sent) only show it masked.
        Assert.Equal($"deploy with {AppFlow.CustomSecretValue}\n", File.ReadAllText(Path.Combine(project, "deploy.txt")));
        Assert.Contains("deploy with <secret-hidden>", events.Replace("\u003C", "<", StringComparison.Ordinal).Replace("\u003E", ">", StringComparison.Ordinal));
        Assert.DoesNotContain(AppFlow.CustomSecretValue, events);
        Assert.DoesNotContain(_llm.Requests, r => r.Body.Contains(AppFlow.CustomSecretValue, StringComparison.Ordinal) || r.Body.Contains(AppFlow.LlmKey, StringComparison.Ordinal));
        // The app server's own copy of the events, read through the API (so its bodies are checked below).
        await Wait.UntilAsync(async () => (await flow.SendAsync(HttpMethod.Get, $"api/v1/events/search?conversation_id__eq={conversationId}&limit=100"))
            .Body.Contains("deploy with", StringComparison.Ordinal), "the app server's event copy to hold the agent's command");

        // AGENTS.md of the repository and the user's skill reached the model; the agent got the custom secret by name.
        Assert.Contains(AgentsMarker, _llm.Requests[0].Body);
        Assert.Contains(UserSkillMarker, _llm.Requests[0].Body);
        var info = await agent.GetConversationAsync(id);
        Assert.Contains(AppFlow.CustomSecretName, info!.SecretRegistry.SecretSources.Keys);
        Assert.Equal(Path.GetFullPath(project), info.Workspace.WorkingDir);

        // The repository's pre-commit checks guard commits.
        var commit = GitCommit(project);
        Assert.NotEqual(0, commit.ExitCode);
        Assert.Contains("blocked by the repository checks", commit.Output);
        Assert.True(File.Exists(Path.Combine(project, ".git", "precommit-ran")));

        // The setup script's output is kept in the sandbox's bash log.
        using (var http = new HttpClient { BaseAddress = new Uri(ready.GetProperty("agent_server_url").GetString()! + "/") })
        {
            http.DefaultRequestHeaders.Add("X-Session-API-Key", conversation.GetProperty("session_api_key").GetString());
            Assert.Contains("setup says hello", await http.GetStringAsync("api/bash/bash_events/search?kind__eq=BashOutput"));
            // The README's way to read events: conversation_url as given, plus /events/search.
            Assert.Contains("Look around.", await http.GetStringAsync(conversation.GetProperty("conversation_url").GetString() + "/events/search?limit=100"));
        }

        // Every read route a client uses answers without a secret (the bodies join those checked below).
        foreach (var route in (string[])["api/settings", "api/secrets", "api/v1/users/me", "api/v1/sandboxes/search", "api/v1/app-conversations/search",
                     "api/v1/app-conversations/start-tasks/search", $"api/v1/app-conversations?ids={conversationId}",
                     $"api/v1/conversation/{conversationId}/events/search?limit=100"])
            Assert.Equal(HttpStatusCode.OK, (await flow.SendAsync(HttpMethod.Get, route)).Status);
        AssertNoSecrets(flow, logs, server, sandboxId);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Polling_SeesStatusesInOrder_AndAMessageSentWhileWaitingForTheSandboxIsDeliveredAfterReady(string backend)
    {
        var gate = Path.Combine(_dir, "sandbox-may-start-" + backend);
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres),
            configure: o => o with { DeckhandCommand = GatedDeckhand(gate) });
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        _llm.Enqueue(
            ScriptedReply.Text("First answer."),
            ScriptedReply.Text("Second answer."),
            ScriptedReply.Text("Third answer."));

        var task = await flow.StartAsync("""{"initial_message":{"role":"user","content":[{"type":"text","text":"message one"}]}}""");
        Assert.Equal("WORKING", task.GetProperty("status").GetString());
        var taskId = task.GetProperty("id").GetString()!;
        await flow.WaitForStatusAsync(taskId, "WAITING_FOR_SANDBOX");

        var sent = await flow.JsonAsync(HttpMethod.Post, $"api/v1/app-conversations/task-{taskId}/send-message",
            """{"role":"user","content":[{"type":"text","text":"message two"}]}""");
        Assert.True(sent.GetProperty("success").GetBoolean());
        Assert.Contains("Queued as message 1", sent.GetProperty("message").GetString());
        var queued = await flow.JsonAsync(HttpMethod.Post, $"api/v1/conversations/task-{taskId}/pending-messages",
            """{"role":"user","content":[{"type":"text","text":"message three"}]}""", HttpStatusCode.Created);
        Assert.Equal(2, queued.GetProperty("position").GetInt32());
        Assert.True(queued.GetProperty("queued").GetBoolean());
        Assert.Equal("WAITING_FOR_SANDBOX", (await flow.TaskAsync(taskId)).GetProperty("status").GetString());

        File.WriteAllText(gate, "");
        var (ready, seen) = await flow.WaitForEndAsync(taskId);
        Assert.Equal("READY", ready.GetProperty("status").GetString());
        Assert.Equal("WAITING_FOR_SANDBOX", seen[0]);
        Assert.Equal("READY", seen[^1]);
        var positions = seen.Select(s => Array.IndexOf(AppFlow.AllStatuses, s)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions); // never backwards, never repeated

        var conversation = await flow.ConversationAsync(ready.GetProperty("app_conversation_id").GetString()!);
        var agent = AppFlow.Agent(conversation);
        var id = Guid.Parse(conversation.GetProperty("id").GetString()!);
        await Wait.UntilAsync(async () => UserMessages(await agent.AllEventsAsync(id)).Count == 3
                && _llm.Requests.Any(r => r.Body.Contains("message three", StringComparison.Ordinal)),
            "the queued messages to reach the agent and the model", TimeSpan.FromSeconds(60));
        Assert.Equal(["message one", "message two", "message three"], UserMessages(await agent.AllEventsAsync(id)));
        var pending = server.App.Services.GetRequiredService<PendingMessageRepository>();
        await Wait.UntilAsync(async () => await pending.CountAsync($"task-{taskId}") == 0, "delivered messages to leave the queue");
    }

    [Fact]
    public async Task StreamStart_WritesEachStatusWhenItHappens_NotAtTheEnd()
    {
        var gate = Path.Combine(_dir, "stream-may-go-on");
        await using var server = await TestAppServer.StartAsync(configure: o => o with { DeckhandCommand = GatedDeckhand(gate) });
        await new AppFlow(server).ConfigureAsync(_llm);

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/app-conversations/stream-start")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new System.Text.StringBuilder();
        var buffer = new char[4096];
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            // The sandbox cannot start yet, so what arrives now can only have been written before the end of the flow.
            while (!seen.ToString().Contains("\"WAITING_FOR_SANDBOX\"", StringComparison.Ordinal))
            {
                var read = await reader.ReadAsync(buffer, deadline.Token);
                Assert.True(read > 0, "The stream ended early: " + seen);
                seen.Append(buffer, 0, read);
            }
        }
        Assert.StartsWith("[\n{", seen.ToString());
        Assert.Contains("\"WORKING\"", seen.ToString());
        Assert.False(File.Exists(gate));

        File.WriteAllText(gate, "");
        var whole = seen + await reader.ReadToEndAsync();
        Assert.Equal(AppFlow.AllStatuses, AppFlow.Statuses(AppFlow.Parse(whole).EnumerateArray()));
    }

    private static List<string> UserMessages(IEnumerable<Contracts.Events.Event> events) =>
        [.. events.OfType<Contracts.Events.MessageEvent>().Where(m => m.Source == Contracts.Events.EventSource.User)
            .Select(m => Contracts.Content.ContentText.Join(m.LlmMessage.Content))];

    /// <summary>The sandbox command, held until <paramref name="gate"/> exists (so a test can act while the task waits for it).</summary>
    private static IReadOnlyList<string> GatedDeckhand(string gate) =>
        ["/bin/sh", "-c", $"while [ ! -e '{gate}' ]; do sleep 0.05; done; exec \"$@\"", "gated-deckhand",
         .. Deckhand.AppServer.Sandboxes.Processes.AgentServerLauncher.Resolve(null)];

    private static (int ExitCode, string Output) GitCommit(string dir)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "--allow-empty", "-m", "try"])
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static void AssertNoSecrets(AppFlow flow, RecordingLoggerProvider logs, TestAppServer server, string sandboxId)
    {
        string[] secrets = [AppFlow.LlmKey, AppFlow.CustomSecretValue];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(flow.Bodies, body => body.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, File.ReadAllText(Path.Combine(server.DataDir, "sandboxes", sandboxId, "agent-server.log")));
        }
        Procs.AssertNowhereOnACommandLine(secrets);
    }
}
