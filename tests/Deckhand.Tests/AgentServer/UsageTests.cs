using System.Net.Http.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>Usage and cost through the real server: tokens and cost summed exactly once, and the budget stop.</summary>
public sealed class UsageTests
{
    private const double InputCost = 1e-5;
    private const double OutputCost = 2e-5;

    private static StartConversationRequest Start(Uri baseUrl, double? budget = null, string model = "openai/scripted-model")
    {
        var request = Requests.Start(baseUrl, "go");
        var llm = request.Agent!.Llm;
        llm.Model = model;
        llm.InputCostPerToken = InputCost;
        llm.OutputCostPerToken = OutputCost;
        llm.NumRetries = 3;
        llm.RetryMultiplier = 0.01;
        llm.RetryMinWait = 0.01;
        llm.RetryMaxWait = 0.05;
        request.MaxBudgetPerTask = budget;
        return request;
    }

    private static ScriptedReply Think(int prompt, int completion, int cached = 0) =>
        ScriptedReply.ToolCall("think", new { thought = "step" }).WithUsage(prompt, completion, cached);

    private static Metrics Agent(ConversationInfo info) => info.Stats.UsageToMetrics["default"];

    [Fact]
    public async Task TokensAndCost_AreSummedExactlyOnce_AcrossRetriesAndRestarts()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            Think(1000, 100, cached: 200),
            ScriptedReply.Error(500, "The server had an error while processing your request"),
            Think(2000, 200),
            ScriptedReply.ToolCall("finish", new { message = "done" }).WithUsage(3000, 300, 1000, reasoningTokens: 50));
        var dataDir = TempDir.Create("deckhand-usage");
        try
        {
            Guid id;
            await using (var server = await TestAgentServer.StartAsync(dataDir))
            {
                var (created, _) = await server.Client.CreateConversationAsync(Start(llm.BaseUrl));
                id = created.Id;
                await Wait.ForStatusAsync(server.Client, id, ExecutionStatus.Finished);
                Assert.Equal(4, llm.Requests.Count);
                AssertTotals(Agent((await server.Client.GetConversationAsync(id))!));

                // The last stats update event carries the same totals.
                var updates = (await server.Client.AllEventsAsync(id)).OfType<ConversationStateUpdateEvent>().Where(u => u.Key == "stats").ToList();
                Assert.Equal(3, updates.Count);
                var last = updates[^1].Value.GetProperty("usage_to_metrics").GetProperty("default");
                Assert.Equal(0.072, last.GetProperty("accumulated_cost").GetDouble(), 9);
                Assert.Equal(6000, last.GetProperty("accumulated_token_usage").GetProperty("prompt_tokens").GetInt64());
            }

            // A restart loads the stored stats; nothing is added again.
            await using (var server = await TestAgentServer.StartAsync(dataDir))
            {
                AssertTotals(Agent((await server.Client.GetConversationAsync(id))!));
                var search = (await server.Client.SearchConversationsAsync()).Items.Single(c => c.Id == id);
                AssertTotals(Agent(search));
            }
        }
        finally
        {
            TempDir.Delete(dataDir);
        }

        static void AssertTotals(Metrics metrics)
        {
            var usage = metrics.AccumulatedTokenUsage!;
            Assert.Equal(6000, usage.PromptTokens);
            Assert.Equal(600, usage.CompletionTokens);
            Assert.Equal(1200, usage.CacheReadTokens);
            Assert.Equal(50, usage.ReasoningTokens);
            Assert.Equal(0, usage.CacheWriteTokens);
            Assert.Equal(3300, usage.PerTurnToken);
            // 6000 prompt tokens at 1e-5 (cached ones priced as input: the config overrides the input price) + 600 at 2e-5.
            Assert.Equal(0.072, metrics.AccumulatedCost, 9);
            Assert.Equal("openai/scripted-model", metrics.ModelName);
        }
    }

    [Fact]
    public async Task Budget_StopsBeforeTheNextCall_AndRaisingItLetsRunContinue()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        // Each call costs 1000 * 1e-5 + 100 * 2e-5 = $0.012; a $0.02 budget is crossed by the second call.
        llm.Enqueue(Think(1000, 100), Think(1000, 100), Think(1000, 100),
            ScriptedReply.ToolCall("finish", new { message = "done" }).WithUsage(1000, 100));
        await using var server = await TestAgentServer.StartAsync();

        var (created, _) = await server.Client.CreateConversationAsync(Start(llm.BaseUrl, budget: 0.02));
        Assert.Equal(0.02, Agent(created).MaxBudgetPerTask);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);

        Assert.Equal(2, llm.Requests.Count);
        var error = (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Single();
        Assert.Equal("MaxBudgetReached", error.Code);
        Assert.StartsWith("Agent reached maximum budget limit ($0.0200); accumulated cost $0.0240.", error.Detail);
        Assert.Contains("max_budget_per_task", error.Detail);
        Assert.Equal("quota", error.Classification!.Kind);
        var info = (await server.Client.GetConversationAsync(created.Id))!;
        Assert.Equal(0.024, Agent(info).AccumulatedCost, 9);

        // /run without raising the budget stops again at once, without calling the LLM.
        await server.Client.RunAsync(created.Id);
        await Wait.UntilAsync(async () => (await server.Client.AllEventsAsync(created.Id)).OfType<ConversationErrorEvent>().Count() == 2,
            "a second MaxBudgetReached");
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Error);
        Assert.Equal(2, llm.Requests.Count);

        // Raise it, then /run: the agent continues to the end.
        using var patch = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}",
            new { max_budget_per_task = 1.0 }, TestContext.Current.CancellationToken);
        patch.EnsureSuccessStatusCode();
        Assert.Equal(1.0, Agent((await server.Client.GetConversationAsync(created.Id))!).MaxBudgetPerTask);
        await server.Client.RunAsync(created.Id);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        Assert.Equal(4, llm.Requests.Count);
        Assert.Equal("done", await server.Client.GetFinalResponseAsync(created.Id));
        var final = Agent((await server.Client.GetConversationAsync(created.Id))!);
        Assert.Equal(0.048, final.AccumulatedCost, 9);
        Assert.Equal(1.0, final.MaxBudgetPerTask);
        Assert.Equal(4000, final.AccumulatedTokenUsage!.PromptTokens);
    }

    [Fact]
    public async Task InvalidBudget_IsRefused()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Requests.Start(llm.BaseUrl));
        using var patch = await server.Http.PatchAsJsonAsync($"api/conversations/{created.Id}",
            new { max_budget_per_task = -1 }, TestContext.Current.CancellationToken);
        Assert.Equal(422, (int)patch.StatusCode);
        using var create = await server.Http.PostAsJsonAsync("api/conversations", new
        {
            workspace = new { kind = "LocalWorkspace", working_dir = Path.GetTempPath() },
            agent = new { llm = new { model = "openai/scripted-model", base_url = llm.BaseUrl.ToString() } },
            max_budget_per_task = 0,
        }, TestContext.Current.CancellationToken);
        Assert.Equal(422, (int)create.StatusCode);
        Assert.Contains("max_budget_per_task", await create.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnthropicCacheWrites_AreRecorded()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "done" })
            with { Usage = new ScriptedUsage(PromptTokens: 1000, CompletionTokens: 100, CachedTokens: 200, CacheWriteTokens: 300) });
        await using var server = await TestAgentServer.StartAsync();
        var (created, _) = await server.Client.CreateConversationAsync(Start(llm.AnthropicBaseUrl, model: "anthropic/claude-test"));
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished);

        var usage = Agent((await server.Client.GetConversationAsync(created.Id))!).AccumulatedTokenUsage!;
        Assert.Equal(300, usage.CacheWriteTokens);
        Assert.Equal(200, usage.CacheReadTokens);
        Assert.Equal(100, usage.CompletionTokens);
        Assert.Equal(1000, usage.PromptTokens);
    }
}
