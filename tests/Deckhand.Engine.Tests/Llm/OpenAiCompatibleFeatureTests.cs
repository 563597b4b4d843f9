using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Llm.Resilience;
using Deckhand.Engine.Tests.Support;
using Deckhand.Testing.Llm;

namespace Deckhand.Engine.Tests.Llm;

/// <summary>OpenAI-compatible servers through the OpenAI SDK: reasoning content, request options, empty replies.</summary>
public sealed class OpenAiCompatibleFeatureTests
{
    private static ScriptedReply Finish() => ScriptedReply.ToolCall("finish", new { message = "done" });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReasoningContent_IsStoredOnTheEventOfItsReply(bool stream)
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(
            ScriptedReply.ToolCall("think", new { thought = "plan" }).WithReasoning("First I plan, then I answer."),
            ScriptedReply.Text("The answer is 4.").WithReasoning("2 + 2 = 4"));

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.OpenAi("deepseek/deepseek-reasoner") with { Stream = stream } });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        var events = agent.Events(runner);
        Assert.Equal("First I plan, then I answer.", events.OfType<ActionEvent>().Single().ReasoningContent);
        var answer = events.OfType<MessageEvent>().Single(m => m.Source == EventSource.Agent);
        Assert.Equal("The answer is 4.", answer.LlmMessage.Text());
        Assert.Equal("2 + 2 = 4", answer.LlmMessage.ReasoningContent);
        // Reasoning is the model's own record; it is not sent back to OpenAI-compatible servers (DeepSeek rejects it).
        Assert.DoesNotContain("reasoning_content", agent.Llm.Requests[1].Body);
    }

    [Fact]
    public async Task ReasoningOnlyReply_IsKept_AndTheModelIsNudged()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(ScriptedReply.Text("").WithReasoning("Still thinking about it."), Finish());

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.OpenAi() });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        var messages = agent.Events(runner).OfType<MessageEvent>().ToList();
        var reply = messages.Single(m => m.Source == EventSource.Agent);
        Assert.Equal("Still thinking about it.", reply.LlmMessage.ReasoningContent);
        Assert.Equal(AgentRuntime.NudgeText, messages[^1].LlmMessage.Text());
        Assert.Equal(2, agent.Llm.Requests.Count); // reasoning is not an empty reply: no retry
    }

    [Fact]
    public async Task ExtraHeadersAndReasoningEffort_ReachTheWire_WithoutSamplingForAReasoningModel()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Finish());
        var llm = agent.OpenAi("openai/o4-mini") with
        {
            ReasoningEffort = "medium",
            Temperature = 0,
            ExtraHeaders = new Dictionary<string, string> { ["X-Team"] = "core", ["HTTP-Referer"] = "https://example.test/" },
        };

        await agent.RunAsync(new AgentSpec { Llm = llm });

        var request = Assert.Single(agent.Llm.Requests);
        Assert.Equal("core", request.Headers["X-Team"]);
        Assert.Equal("https://example.test/", request.Headers["HTTP-Referer"]);
        Assert.Equal("o4-mini", request.Model);
        Assert.Equal("medium", request.Json.GetProperty("reasoning_effort").GetString());
        Assert.False(request.Json.TryGetProperty("temperature", out _));
    }

    [Fact]
    public async Task ReasoningEffort_IsNotSentToAModelWithoutIt()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(Finish());

        await agent.RunAsync(new AgentSpec { Llm = agent.OpenAi("openai/gpt-4o") with { ReasoningEffort = "high", Temperature = 0 } });

        var request = Assert.Single(agent.Llm.Requests);
        Assert.False(request.Json.TryGetProperty("reasoning_effort", out _));
        Assert.Equal(0, request.Json.GetProperty("temperature").GetDouble());
    }

    [Fact]
    public async Task EmptyReply_AtTemperatureZero_IsRetriedAtTemperatureOne()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(ScriptedReply.Empty(), Finish());

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.OpenAi() with { NumRetries = 3, Temperature = 0 } });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal([0.0, 1.0], agent.Llm.Requests.Select(r => r.Json.GetProperty("temperature").GetDouble()));
        var notice = Assert.Single(agent.Events(runner).OfType<ConversationStateUpdateEvent>(), e => e.Key == LlmRetryNotice.EventKey);
        Assert.Equal("LLMNoResponseError", notice.Value.GetProperty("code").GetString());
    }

    [Fact]
    public async Task EmptyReplies_OnEveryAttempt_EndInANudge_WhenTheReplyHadAChoice()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(ScriptedReply.Text(""), ScriptedReply.Text(""), Finish());

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.OpenAi() with { NumRetries = 2, Temperature = 0.3 } });

        Assert.Equal(ExecutionStatus.Finished, runner.Snapshot.State.ExecutionStatus);
        Assert.Equal(3, agent.Llm.Requests.Count);
        // Not at temperature 0, so the retry keeps the configured temperature.
        Assert.Equal(0.3, agent.Llm.Requests[1].Json.GetProperty("temperature").GetDouble(), 5);
        var nudge = agent.Events(runner).OfType<MessageEvent>().Last();
        Assert.Equal(AgentRuntime.NudgeText, nudge.LlmMessage.Text());
    }

    [Fact]
    public async Task NoChoices_OnEveryAttempt_FailsWithLLMNoResponseError()
    {
        await using var agent = await ScriptedAgent.StartAsync();
        agent.Llm.Enqueue(ScriptedReply.Empty(), ScriptedReply.Empty());

        var runner = await agent.RunAsync(new AgentSpec { Llm = agent.OpenAi() with { NumRetries = 2 } });

        Assert.Equal(ExecutionStatus.Error, runner.Snapshot.State.ExecutionStatus);
        var error = Assert.Single(agent.Events(runner).OfType<ConversationErrorEvent>());
        Assert.Equal("LLMNoResponseError", error.Code);
        Assert.Contains("Gave up after 2 attempts", error.Detail);
    }
}
