using System.Net.Http.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer.Tree;

/// <summary>Auto-titles by a model call (the server's default; the test server turns it on only here).</summary>
public sealed class AutoTitleTests
{
    private static async Task<ConversationInfo> WaitForTitleAsync(TestAgentServer server, Guid id, Func<ConversationInfo, bool>? also = null)
    {
        ConversationInfo? info = null;
        await Wait.UntilAsync(async () =>
        {
            info = await server.Client.GetConversationAsync(id);
            return info?.Title is not null && (also?.Invoke(info) ?? true);
        }, "a title");
        return info!;
    }

    [Fact]
    public async Task FirstUserMessage_GetsATitleFromTheModel_CountedUnderItsOwnUsageId()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Text("\"🐛 Fix the flaky login test\"").WithUsage(40, 8));
        await using var server = await TestAgentServer.StartAsync(llmTitles: true);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        Assert.Null(created.Title);

        await server.Client.SendMessageAsync(created.Id, "The login test fails one run in ten, please make it reliable.", run: false);
        var info = await WaitForTitleAsync(server, created.Id, i => i.Stats.UsageToMetrics.ContainsKey("title"));

        Assert.Equal("🐛 Fix the flaky login test", info.Title);
        Assert.Equal(40, info.Stats.UsageToMetrics["title"].AccumulatedTokenUsage!.PromptTokens);
        Assert.False(info.Stats.UsageToMetrics.ContainsKey("default"));
        Assert.Equal(ExecutionStatus.Idle, info.ExecutionStatus);
        var request = Assert.Single(llm.Requests);
        Assert.Empty(request.ToolNames);
        Assert.False(request.Stream);
        Assert.Equal("system", request.MessageRole(0));
        Assert.Contains("please make it reliable", request.MessageText(^1));
        Assert.Contains("at most 50 characters", request.MessageText(^1));
        // The title call is not part of the conversation: no agent message, no error.
        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.DoesNotContain(events, e => e is MessageEvent { Source: EventSource.Agent } or ConversationErrorEvent);

        // Later messages do not ask again.
        await server.Client.SendMessageAsync(created.Id, "Also check the logout test.", run: false);
        Assert.Single(llm.Requests);
        Assert.Equal("🐛 Fix the flaky login test", (await server.Client.GetConversationAsync(created.Id))!.Title);
    }

    [Fact]
    public async Task ModelFailure_FallsBackToTheMessage_WithANonFatalError()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.Error(400, "The model 'scripted-model' is not allowed for this key."));
        await using var server = await TestAgentServer.StartAsync(llmTitles: true);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));

        await server.Client.SendMessageAsync(created.Id, "Rename   the\nUserService class to AccountService everywhere in the repository", run: false);
        var info = await WaitForTitleAsync(server, created.Id);

        Assert.Equal("Rename the UserService class to AccountService ev…", info.Title);
        Assert.Equal(50, info.Title!.Length);
        var error = (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Single();
        Assert.Equal("LLMBadRequestError", error.Code);
        Assert.Contains("title", error.Detail);
        Assert.Equal(ExecutionStatus.Idle, info.ExecutionStatus);
        Assert.Empty(info.Stats.UsageToMetrics);

        // Non-fatal: the conversation runs as usual afterwards.
        llm.Enqueue(ScriptedReply.Text("Renamed."));
        await server.Client.RunAsync(created.Id);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
    }

    [Fact]
    public async Task TitleCall_AlongsideARun_BothUsagesAreKept()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        // Route by request: the title call has no tools.
        llm.Responder = request => request.ToolNames.Count == 0
            ? ScriptedReply.Text("✨ Add a greeting").WithUsage(30, 5)
            : ScriptedReply.ToolCall("finish", new { message = "Greeting added." });
        await using var server = await TestAgentServer.StartAsync(llmTitles: true);

        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl, "add a greeting"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);
        var info = await WaitForTitleAsync(server, created.Id, i => i.Stats.UsageToMetrics.ContainsKey("title"));

        Assert.Equal("✨ Add a greeting", info.Title);
        Assert.Equal(30, info.Stats.UsageToMetrics["title"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal(100, info.Stats.UsageToMetrics["default"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal(2, llm.Requests.Count);
    }

    [Fact]
    public async Task TitleSetByPatchWhileTheModelIsAsked_IsKept()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        llm.Responder = _ =>
        {
            asked.TrySetResult();
            release.Task.Wait(Wait.Default);
            return ScriptedReply.Text("📝 Model title");
        };
        await using var server = await TestAgentServer.StartAsync(llmTitles: true);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        await server.Client.SendMessageAsync(created.Id, "write the docs", run: false);
        await asked.Task.WaitAsync(Wait.Default);

        using var patch = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}", new { title = "My own title" });
        patch.EnsureSuccessStatusCode();
        release.SetResult();
        var info = await WaitForTitleAsync(server, created.Id, i => i.Stats.UsageToMetrics.ContainsKey("title"));

        Assert.Equal("My own title", info.Title);
    }

    [Fact]
    public async Task AutotitleOff_NoTitleAndNoCall()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync(llmTitles: true);
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl) with { Autotitle = false });

        await server.Client.SendMessageAsync(created.Id, "do not title this", run: false);

        Assert.Null((await server.Client.GetConversationAsync(created.Id))!.Title);
        Assert.Empty(llm.Requests);
    }
}
