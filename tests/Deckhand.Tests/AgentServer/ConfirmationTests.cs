using System.Collections.Concurrent;
using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AgentServer;

/// <summary>Confirmation policies and risk analyzers, end to end: the real server, real tools, the scripted LLM.</summary>
public sealed class ConfirmationTests : IDisposable
{
    private readonly string _workspace = TempDir.Create("deckhand-confirm-ws");

    private string Build => Path.Combine(_workspace, "build");

    public ConfirmationTests()
    {
        Directory.CreateDirectory(Build);
        File.WriteAllText(Path.Combine(Build, "app.o"), "object");
    }

    public void Dispose() => TempDir.Delete(_workspace);

    [Fact]
    public async Task ConfirmRisky_HighRiskRmRf_WaitsForConfirmation_AndAcceptRunsItWithoutAskingTheModelAgain()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("terminal", new { command = $"rm -rf {Build}", security_risk = "HIGH", summary = "Delete the build folder" }),
            ScriptedReply.ToolCall("finish", new { message = "Cleaned." }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Risky(llm, "clean the build"));

        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.WaitingForConfirmation);
        var events = await server.Client.AllEventsAsync(created.Id);
        var action = events.OfType<ActionEvent>().Single();
        Assert.Equal(SecurityRisk.High, action.SecurityRisk);
        Assert.Equal("Delete the build folder", action.Summary);
        Assert.DoesNotContain(events, e => e is ObservationEvent or UserRejectObservation);
        Assert.True(Directory.Exists(Build), "nothing runs before the user answers");
        Assert.Single(llm.Requests);

        await server.Client.RespondToConfirmationAsync(created.Id, accept: true);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        Assert.False(Directory.Exists(Build));
        events = await server.Client.AllEventsAsync(created.Id);
        var result = events.OfType<ObservationEvent>().First(o => o.ToolName == "terminal");
        Assert.Equal(action.Id, result.ActionId);
        // The accepted call ran without a new LLM call; the next call already carried its result.
        Assert.Equal(2, llm.Requests.Count);
        Assert.Equal("tool", llm.Requests[1].MessageRole(^1));
    }

    [Fact]
    public async Task Reject_RecordsOneRejectionPerWaitingCall_GoesIdle_AndTheAgentContinuesOnTheNextRun()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCalls(
                ScriptedToolCall.Create("terminal", new { command = $"rm -rf {Build}", security_risk = "HIGH" }),
                ScriptedToolCall.Create("terminal", new { command = "touch marker", security_risk = "LOW" })),
            ScriptedReply.ToolCall("finish", new { message = "Left the build alone." }));
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Risky(llm, "clean up"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.WaitingForConfirmation);

        await server.Client.RespondToConfirmationAsync(created.Id, accept: false, reason: "too risky");
        var info = await server.Client.GetConversationAsync(created.Id);
        Assert.Equal(ExecutionStatus.Idle, info!.ExecutionStatus);
        var events = await server.Client.AllEventsAsync(created.Id);
        var actions = events.OfType<ActionEvent>().ToList();
        var rejections = events.OfType<UserRejectObservation>().ToList();
        Assert.Equal(actions.Select(a => a.Id), rejections.Select(r => r.ActionId));
        Assert.All(rejections, r => Assert.Equal("too risky", r.RejectionReason));
        Assert.All(rejections, r => Assert.Equal("user", r.RejectionSource));
        Assert.True(Directory.Exists(Build));
        Assert.False(File.Exists(Path.Combine(_workspace, "marker")));
        Assert.Single(llm.Requests); // a rejection does not start a run by itself

        await server.Client.RunAsync(created.Id);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var next = llm.Requests[1];
        Assert.Equal("Action rejected: too risky", next.MessageText(^1));
        Assert.Equal("Action rejected: too risky", next.MessageText(^2));
        Assert.True(Directory.Exists(Build));
    }

    [Fact]
    public async Task PatternAnalyzer_RaisesALowLabelledRmRfRoot_ToHigh_WhileTheLlmAnalyzerTakesTheLabel()
    {
        // The dangerous command never reaches a shell: "terminal" is a recording stand-in in this test.
        var ran = new ConcurrentQueue<string>();
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Responder = _ => ScriptedReply.ToolCall("terminal", new { command = "rm -rf /", security_risk = "LOW" });
        await using var server = await TestAgentServer.StartAsync();
        server.App.Services.GetRequiredService<ToolRegistry>().Register("terminal", _ => new RecordingTool("terminal", ran));

        var (pattern, _) = await server.Client.CreateConversationAsync(Risky(llm, "tidy up", new PatternSecurityAnalyzer()));
        await Wait.ForStatusAsync(server.Client, pattern.Id, ExecutionStatus.WaitingForConfirmation);
        var raised = (await server.Client.AllEventsAsync(pattern.Id)).OfType<ActionEvent>().Single();
        Assert.Equal(SecurityRisk.High, raised.SecurityRisk);
        // The model's own label stays visible in the call as it sent it.
        Assert.Contains("\"LOW\"", raised.ToolCall.Arguments);
        await server.Client.RespondToConfirmationAsync(pattern.Id, accept: false);
        Assert.Empty(ran);

        // Control: the same LOW-labelled call under the LLM analyzer is taken at its word and runs.
        var control = Risky(llm, "tidy up", new LLMSecurityAnalyzer()) with { MaxIterations = 1 };
        var (trusting, _) = await server.Client.CreateConversationAsync(control);
        await Wait.ForStatusAsync(server.Client, trusting.Id, ExecutionStatus.Error);
        Assert.Equal(SecurityRisk.Low, (await server.Client.AllEventsAsync(trusting.Id)).OfType<ActionEvent>().Single().SecurityRisk);
        Assert.Equal(["rm -rf /"], ran);
    }

    [Fact]
    public async Task PolicyAndAnalyzer_ChangeOnALiveConversation_AndAnyRegisteredToolIsHeld()
    {
        var ran = new ConcurrentQueue<string>();
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("deploy", new { target = "production" }),
            ScriptedReply.ToolCall("deploy", new { target = "staging" }),
            ScriptedReply.ToolCall("finish", new { message = "Deployed to staging." }));
        await using var server = await TestAgentServer.StartAsync();
        // Any ITool (an MCP tool is one too) passes the same gate as the built-in tools.
        server.App.Services.GetRequiredService<ToolRegistry>().Register("deploy", _ => new RecordingTool("deploy", ran));
        var request = Requests.Start(llm.BaseUrl);
        request = request with { Agent = request.Agent! with { Tools = [new ToolSpec { Name = "deploy" }] } };
        var (created, _) = await server.Client.CreateConversationAsync(request);
        Assert.IsType<NeverConfirm>(created.ConfirmationPolicy);
        Assert.Null(created.SecurityAnalyzer);

        await server.Client.SetConfirmationPolicyAsync(created.Id, new AlwaysConfirm());
        await server.Client.SetSecurityAnalyzerAsync(created.Id, new PatternSecurityAnalyzer());
        var info = await server.Client.GetConversationAsync(created.Id);
        Assert.IsType<AlwaysConfirm>(info!.ConfirmationPolicy);
        Assert.IsType<PatternSecurityAnalyzer>(info.SecurityAnalyzer);
        var updates = (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationStateUpdateEvent>().ToList();
        Assert.Equal("AlwaysConfirm", updates.Single(u => u.Key == "confirmation_policy").Value.GetProperty("kind").GetString());
        Assert.Equal("PatternSecurityAnalyzer", updates.Single(u => u.Key == "security_analyzer").Value.GetProperty("kind").GetString());

        await server.Client.SendMessageAsync(created.Id, "deploy", run: true);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.WaitingForConfirmation);
        await server.Client.RespondToConfirmationAsync(created.Id, accept: false, reason: "not production");
        Assert.Empty(ran);

        // Back to never asking, mid-conversation: the next call goes straight through.
        await server.Client.SetConfirmationPolicyAsync(created.Id, new NeverConfirm());
        await server.Client.SetSecurityAnalyzerAsync(created.Id, null);
        Assert.Null((await server.Client.GetConversationAsync(created.Id))!.SecurityAnalyzer);
        await server.Client.SendMessageAsync(created.Id, "then staging", run: true);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        Assert.Equal(["""{"target":"staging"}"""], ran);
    }

    [Fact]
    public async Task ServerRestartWhileWaiting_KeepsWaiting_AndAcceptRunsTheCallAfterwards()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("terminal", new { command = $"rm -rf {Build}", security_risk = "HIGH" }),
            ScriptedReply.ToolCall("finish", new { message = "Done." }));
        var dataDir = TempDir.Create("deckhand-confirm-data");
        try
        {
            Guid id;
            await using (var first = await TestAgentServer.StartAsync(dataDir))
            {
                (var created, _) = await first.Client.CreateConversationAsync(Risky(llm, "clean"));
                id = created.Id;
                await Wait.ForStatusAsync(first.Client, id, ExecutionStatus.WaitingForConfirmation);
            }

            await using var second = await TestAgentServer.StartAsync(dataDir);
            Assert.Equal(ExecutionStatus.WaitingForConfirmation, (await second.Client.GetConversationAsync(id))!.ExecutionStatus);
            Assert.True(Directory.Exists(Build));
            await second.Client.RespondToConfirmationAsync(id, accept: true);
            await Wait.ForStatusAsync(second.Client, id, ExecutionStatus.Finished);
            Assert.False(Directory.Exists(Build));
            Assert.DoesNotContain(await second.Client.AllEventsAsync(id), e => e is AgentErrorEvent or ConversationErrorEvent);
        }
        finally
        {
            TempDir.Delete(dataDir);
        }
    }

    [Fact]
    public async Task WithoutAnAnalyzer_ConfirmRiskyAsksAboutEveryCall_BecauseEachIsUnknown()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("terminal", new { command = "echo hi", security_risk = "LOW" }));
        await using var server = await TestAgentServer.StartAsync();
        var request = Risky(llm, "say hi") with { SecurityAnalyzer = null };
        var (created, _) = await server.Client.CreateConversationAsync(request);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.WaitingForConfirmation);
        Assert.Equal(SecurityRisk.Unknown, (await server.Client.AllEventsAsync(created.Id)).OfType<ActionEvent>().Single().SecurityRisk);
    }

    [Theory]
    [InlineData("confirmation_policy", "{}", "policy")]
    [InlineData("confirmation_policy", """{"policy":{"kind":"YoloMode"}}""", "policy")]
    [InlineData("confirmation_policy", """{"policy":{"kind":"ConfirmRisky","threshold":"UNKNOWN"}}""", "threshold")]
    [InlineData("confirmation_policy", """{"policy":{"kind":"ConfirmRisky","threshold":"SEVERE"}}""", "threshold")]
    [InlineData("security_analyzer", "{}", "security_analyzer")]
    [InlineData("security_analyzer", """{"security_analyzer":{"kind":"GraySwanAnalyzer"}}""", "security_analyzer")]
    [InlineData("security_analyzer", """{"security_analyzer":"LLM"}""", "security_analyzer")]
    [InlineData("events/respond_to_confirmation", "{}", "accept")]
    [InlineData("events/respond_to_confirmation", """{"accept":"yes"}""", "accept")]
    public async Task BadBodies_Get422NamingTheField(string route, string body, string field)
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = await Workspaces.AddConversationAsync(server, _workspace);
        var response = await server.Http.PostAsync($"api/conversations/{id}/{route}", new StringContent(body, null, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("confirmation_policy", """{"policy":{"kind":"AlwaysConfirm"}}""")]
    [InlineData("security_analyzer", """{"security_analyzer":null}""")]
    [InlineData("events/respond_to_confirmation", """{"accept":false}""")]
    public async Task UnknownConversation_Gets404_BadId422(string route, string body)
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = Guid.NewGuid();
        var response = await server.Http.PostAsync($"api/conversations/{id}/{route}", new StringContent(body, null, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains($"Conversation not found: {id}", await response.Content.ReadAsStringAsync());
        var bad = await server.Http.PostAsync($"api/conversations/not-a-uuid/{route}", new StringContent(body, null, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, bad.StatusCode);
    }

    [Fact]
    public async Task Create_WithAnUnknownThreshold_Gets422()
    {
        await using var server = await TestAgentServer.StartAsync();
        var request = Requests.Start(new Uri("http://127.0.0.1:9/v1")) with
        {
            ConfirmationPolicy = new ConfirmRisky { Threshold = SecurityRisk.Unknown },
        };
        var error = await Assert.ThrowsAsync<Deckhand.Client.AgentServerException>(() => server.Client.CreateConversationAsync(request));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, error.StatusCode);
        Assert.Contains("threshold", error.Detail);
    }

    private StartConversationRequest Risky(ScriptedLlmServer llm, string message, SecurityAnalyzer? analyzer = null)
    {
        var request = Requests.Start(llm.BaseUrl, message);
        return request with
        {
            Workspace = new Workspace { WorkingDir = _workspace },
            Agent = request.Agent! with { Tools = [new ToolSpec { Name = "terminal" }] },
            ConfirmationPolicy = new ConfirmRisky(),
            SecurityAnalyzer = analyzer ?? new LLMSecurityAnalyzer(),
        };
    }

    /// <summary>A tool that records what it was asked to do instead of doing it.</summary>
    private sealed class RecordingTool(string name, ConcurrentQueue<string> ran) : ITool
    {
        public string Name => name;

        public ToolDefinition Definition { get; } = new()
        {
            Description = "Records the call.",
            ActionType = nameof(TerminalAction),
            Kind = "RecordingTool",
            Title = name,
            Annotations = new ToolAnnotations { Title = name, DestructiveHint = true },
        };

        public JsonElement Parameters { get; } = ToolSchema.Parse(
            """{"type":"object","properties":{"command":{"type":"string"},"target":{"type":"string"}}}""");

        public ToolAction Parse(JsonElement arguments) => arguments.TryGetProperty("command", out var command)
            ? new TerminalAction { Command = command.GetString()! }
            : new TerminalAction { Command = arguments.GetRawText() };

        public Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken)
        {
            ran.Enqueue(((TerminalAction)action).Command);
            return Task.FromResult<ToolObservation>(new TerminalObservation { Content = [new TextContent("recorded")], ExitCode = 0 });
        }
    }
}
