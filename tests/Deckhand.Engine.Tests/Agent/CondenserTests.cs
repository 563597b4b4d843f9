using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Tests.Support;
using Deckhand.Testing.Llm;

namespace Deckhand.Engine.Tests.Agent;

/// <summary>Spec §4.6 through the real engine and LLM clients: when the condenser runs, what it keeps, how it fails.</summary>
public sealed class CondenserTests
{
    private const string TooLong = "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. (context_length_exceeded)";
    private const string Summary = "GOAL: the task. DONE: earlier steps. PENDING: finish.";

    private static ScriptedReply Think(int i, int padding = 0) =>
        ScriptedReply.ToolCall("think", new { thought = $"step {i} " + new string('x', padding) });

    private static ScriptedReply Finish() => ScriptedReply.ToolCall("finish", new { message = "done" });

    private static AgentSpec Agent(LlmConfig llm, CondenserSpec? condenser) => new() { Llm = llm, Condenser = condenser };

    [Fact]
    public async Task MoreEventsThanMaxSize_Condenses_KeepingTheHeadAndTheSpecsSuffix()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Think(1), Think(2), Think(3), Think(4), Think(5), ScriptedReply.Text(Summary), Finish());

        var runner = await agent.RunAsync(Agent(agent.OpenAi(), new LLMSummarizingCondenser { MaxSize = 10, KeepFirst = 2 }));

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(7, agent.Llm.Requests.Count);
        Assert.Equal(0, agent.Llm.UnscriptedRequests);
        var events = agent.Events(runner);
        var condensation = Assert.Single(events.OfType<Condensation>());
        // 12 events (system, task, 5 calls with results) > max_size 10: keep_first 2 stay, then 10//2 - 2 - 1 = 2 recent ones.
        Assert.Equal(2, condensation.SummaryOffset);
        var actions = events.OfType<ActionEvent>().ToList();
        var results = events.OfType<ObservationEvent>().ToList();
        Assert.Equal(actions.Take(4).Zip(results.Take(4)).SelectMany(p => new[] { p.First.Id, p.Second.Id }), condensation.ForgottenEventIds);
        Assert.Equal(Summary, condensation.Summary);

        var summaryRequest = agent.Llm.Requests[5];
        Assert.Empty(summaryRequest.ToolNames);
        Assert.Contains("step 4", summaryRequest.Body);
        Assert.DoesNotContain("step 5", summaryRequest.Body);
        var next = agent.Llm.Requests[6];
        Assert.Contains(Summary, next.Body);
        Assert.Contains("step 5", next.Body);
        Assert.DoesNotContain("step 1", next.Body);
        // The summary call is counted under the condenser's usage id.
        Assert.Equal(100, runner.Snapshot.State.Stats.UsageToMetrics["condenser"].AccumulatedTokenUsage!.PromptTokens);
    }

    [Fact]
    public async Task MoreEventsThanMaxSize_WhenTheSummaryFails_SendsTheWholeView()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Think(1), Think(2), Think(3), Think(4), Think(5), ScriptedReply.Error(400, TooLong), Finish());

        var runner = await agent.RunAsync(Agent(agent.OpenAi(), new LLMSummarizingCondenser { MaxSize = 10, KeepFirst = 2 }));

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(7, agent.Llm.Requests.Count);
        var events = agent.Events(runner);
        Assert.Empty(events.OfType<Condensation>());
        Assert.Empty(events.OfType<ConversationErrorEvent>());
        // A soft reason (too many events) that cannot be served does not stop the step: the whole view goes out.
        var next = agent.Llm.Requests[6];
        Assert.Contains("finish", next.ToolNames);
        Assert.Contains("step 1", next.Body);
        Assert.Contains("step 5", next.Body);
    }

    [Fact]
    public async Task LastPromptOverMaxTokens_Condenses_ForgettingEnoughTokens_Once()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        // Each think call carries about 500 tokens of arguments; the third call reports 1,520 tokens > max_tokens 1,000.
        agent.Llm.Enqueue(Think(1, 2000).WithUsage(300, 20), Think(2, 2000).WithUsage(800, 20), Think(3, 2000).WithUsage(1500, 20),
            ScriptedReply.Text(Summary), Finish().WithUsage(600, 20));

        var runner = await agent.RunAsync(Agent(agent.OpenAi(), new LLMSummarizingCondenser { MaxSize = 100, KeepFirst = 2, MaxTokens = 1000 }));

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(5, agent.Llm.Requests.Count);
        var events = agent.Events(runner);
        // To drop 1,520 - 1,000/2 = 1,020 tokens it forgets the first two calls (about 1,030) and keeps the third.
        var condensation = Assert.Single(events.OfType<Condensation>());
        var actions = events.OfType<ActionEvent>().ToList();
        var results = events.OfType<ObservationEvent>().ToList();
        Assert.Equal([actions[0].Id, results[0].Id, actions[1].Id, results[1].Id], condensation.ForgottenEventIds);
        var next = agent.Llm.Requests[4];
        Assert.Contains("step 3", next.Body);
        Assert.DoesNotContain("step 1", next.Body);
        // The step after the condensation does not condense again on the count of a prompt that no longer exists.
        Assert.Contains("finish", next.ToolNames);
    }

    [Fact]
    public async Task ContextWindowError_WhenEvenTheSummaryIsTooLong_ResetsHard_ShrinkingEachEvent()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Think(1, 5000), Think(2), Think(3),
            ScriptedReply.Error(400, TooLong), // the agent's call: a condensation is requested
            ScriptedReply.Error(400, TooLong), // the normal summary of the middle
            ScriptedReply.Error(400, TooLong), // hard reset, events cut to 4,000 chars
            ScriptedReply.Text(Summary),       // hard reset, events cut to 3,200 chars
            Finish());

        var runner = await agent.RunAsync(Agent(agent.OpenAi(), null));

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(8, agent.Llm.Requests.Count);
        Assert.Equal(0, agent.Llm.UnscriptedRequests);
        var events = agent.Events(runner);
        Assert.Single(events.OfType<CondensationRequest>());
        var condensation = Assert.Single(events.OfType<Condensation>());
        // Everything after the system prompt is summarised, the task included; the summary takes its place.
        Assert.Equal(1, condensation.SummaryOffset);
        var task = events.OfType<MessageEvent>().First(m => m.Source == EventSource.User);
        Assert.Contains(task.Id, condensation.ForgottenEventIds);
        Assert.Equal(7, condensation.ForgottenEventIds.Count);
        // The 5,000-char first call is cut to 4,000 chars of text, then to 3,200 (x 0.8) on the retry.
        Assert.Contains(new string('x', 3900), agent.Llm.Requests[5].Body);
        Assert.DoesNotContain(new string('x', 4000), agent.Llm.Requests[5].Body);
        Assert.Contains(new string('x', 3100), agent.Llm.Requests[6].Body);
        Assert.DoesNotContain(new string('x', 3200), agent.Llm.Requests[6].Body);
        var next = agent.Llm.Requests[7];
        Assert.Equal(["system", "user"], next.Messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Contains(Summary, next.Body);
    }

    [Fact]
    public async Task CondenserWithItsOwnLlm_WritesTheSummaryWithIt_UnderItsUsageId()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Think(1), Think(2), Think(3), ScriptedReply.Text(Summary), Finish());
        var summarizer = agent.OpenAi("openai/summary-model") with { UsageId = "summaries" };

        var runner = await agent.RunAsync(Agent(agent.OpenAi(), new LLMSummarizingCondenser { Llm = summarizer, MaxSize = 6, KeepFirst = 1 }));

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(["scripted-model", "scripted-model", "scripted-model", "summary-model", "scripted-model"],
            agent.Llm.Requests.Select(r => r.Model));
        var usage = runner.Snapshot.State.Stats.UsageToMetrics;
        Assert.Equal(100, usage["summaries"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Equal("openai/summary-model", usage["summaries"].ModelName);
        Assert.Equal(400, usage["default"].AccumulatedTokenUsage!.PromptTokens);
        Assert.Single(agent.Events(runner).OfType<Condensation>());
    }

    [Fact]
    public async Task NoOpCondenser_NeverCondenses_AndAContextWindowErrorEndsTheRunWithAdvice()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Think(1), Think(2), Think(3), ScriptedReply.Error(400, TooLong));

        var runner = await agent.RunAsync(Agent(agent.OpenAi(), new NoOpCondenser()));

        Assert.Equal(ExecutionStatus.Error, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(4, agent.Llm.Requests.Count);
        var events = agent.Events(runner);
        Assert.Empty(events.OfType<CondensationRequest>());
        Assert.Empty(events.OfType<Condensation>());
        var error = Assert.Single(events.OfType<ConversationErrorEvent>());
        Assert.Equal("LLMContextWindowExceedError", error.Code);
        Assert.Contains("does not condense", error.Detail);
        Assert.False(await runner.CondenseAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(80, 4, true)]
    [InlineData(10, 3, true)]
    [InlineData(10, 4, false)]
    [InlineData(8, 4, false)]
    public void Validation_RequiresRoomForRecentEvents(int maxSize, int keepFirst, bool valid)
    {
        var problems = Engine.Agent.Condensers.CondenserSettings.Problems(new LLMSummarizingCondenser { MaxSize = maxSize, KeepFirst = keepFirst }).ToList();
        Assert.Equal(valid, problems.Count == 0);
        if (!valid)
            Assert.Equal("max_size", Assert.Single(problems).Field);
    }

    [Fact]
    public void CondenserJson_ReadsOpenHandsShape_AndRedactsItsLlmKey()
    {
        const string json = """
            {"llm":{"model":"openai/x","api_key":"sk-secret-condenser"},"tools":[],
             "condenser":{"kind":"LLMSummarizingCondenser","llm":{"model":"openai/small","api_key":"sk-secret-condenser","usage_id":"condenser"},
                          "max_size":80,"max_tokens":null,"keep_first":4,"minimum_progress":0.1},"kind":"Agent"}
            """;
        var agent = JsonSerializer.Deserialize(json, Contracts.Json.DeckhandJson.Storage.AgentSpec)!;
        var condenser = Assert.IsType<LLMSummarizingCondenser>(agent.Condenser);
        Assert.Equal(80, condenser.MaxSize);
        Assert.Equal(4, condenser.KeepFirst);
        Assert.Equal("sk-secret-condenser", condenser.Llm!.ApiKey!.Value);
        Assert.Equal(5, condenser.HardContextResetMaxRetries);
        var wire = JsonSerializer.Serialize(agent, Contracts.Json.DeckhandJson.Wire.AgentSpec);
        Assert.DoesNotContain("sk-secret-condenser", wire);
        Assert.Contains("\"kind\":\"LLMSummarizingCondenser\"", wire);
    }
}
