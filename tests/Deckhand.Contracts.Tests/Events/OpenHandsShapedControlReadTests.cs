using System.Text.Json;
using Deckhand.Contracts.Events;
using static Deckhand.Contracts.Tests.Events.GoldenJson;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>Non-LLM events in OpenHands' shape (kind last, explicit nulls, sparse defaults) read correctly.</summary>
public sealed class OpenHandsShapedControlReadTests
{
    [Fact]
    public void StateUpdate_FullState_ReadsObjectValue()
    {
        var e = Read<ConversationStateUpdateEvent>("""
            {"id":"0d4","timestamp":"2026-08-22T18:34:55.001122","source":"environment","key":"full_state",
             "value":{"id":"6f1c2a4e-3d7b-4f7e-9c1a-2b3c4d5e6f70","agent":{"kind":"Agent"},"execution_status":"idle","agent_state":{}},
             "kind":"ConversationStateUpdateEvent"}
            """);

        Assert.Equal(ConversationStateUpdateEvent.FullStateKey, e.Key);
        Assert.Equal(JsonValueKind.Object, e.Value.ValueKind);
        Assert.Equal("idle", e.Value.GetProperty("execution_status").GetString());
    }

    [Fact]
    public void StateUpdate_Status_ReadsStringValue()
    {
        var e = Read<ConversationStateUpdateEvent>("""
            {"id":"c33","timestamp":"t","source":"environment","parent_id":"b22","key":"execution_status","value":"running","kind":"ConversationStateUpdateEvent"}
            """);

        Assert.Equal(("execution_status", "running", "b22"), (e.Key, e.Value.GetString(), e.ParentId));
    }

    [Fact]
    public void StateUpdate_Stats_ReadsNestedMetrics()
    {
        var e = Read<ConversationStateUpdateEvent>("""
            {"id":"s","timestamp":"t","source":"environment","key":"stats","value":{"usage_to_metrics":{"agent":{"model_name":"m",
             "accumulated_cost":0.0123,"max_budget_per_task":null,"accumulated_token_usage":{"model":"m","prompt_tokens":5120}}}},
             "kind":"ConversationStateUpdateEvent"}
            """);

        var agent = e.Value.GetProperty("usage_to_metrics").GetProperty("agent");
        Assert.Equal(0.0123, agent.GetProperty("accumulated_cost").GetDouble());
        Assert.Equal(5120, agent.GetProperty("accumulated_token_usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public void ConversationErrorEvent_ReadsCodeDetailAndClassification()
    {
        var e = Read<ConversationErrorEvent>("""
            {"id":"x","timestamp":"t","source":"environment","parent_id":null,"code":"MaxIterationsReached",
             "detail":"Agent reached maximum iterations limit (500).",
             "classification":{"kind":"agent_action","retryable":false,"user_action":"none","error_id":null},"kind":"ConversationErrorEvent"}
            """);

        Assert.Equal(("MaxIterationsReached", "Agent reached maximum iterations limit (500)."), (e.Code, e.Detail));
        Assert.Equal(new ErrorClassification { Kind = "agent_action" }, e.Classification);
    }

    [Fact]
    public void Condensation_ReadsForgottenIdsAndOffset()
    {
        var e = Read<Condensation>("""
            {"id":"x","timestamp":"t","source":"environment","forgotten_event_ids":["a","b"],"summary":"USER_CONTEXT: x",
             "summary_offset":4,"llm_response_id":"chatcmpl-1","kind":"Condensation"}
            """);

        Assert.Equal(["a", "b"], e.ForgottenEventIds);
        Assert.Equal(("USER_CONTEXT: x", 4, "chatcmpl-1"), (e.Summary, e.SummaryOffset, e.LlmResponseId));
    }

    [Fact]
    public void Condensation_WithNullSummary_Reads()
    {
        var e = Read<Condensation>("""
            {"id":"x","timestamp":"t","source":"environment","forgotten_event_ids":[],"summary":null,"summary_offset":null,
             "llm_response_id":"r","kind":"Condensation"}
            """);

        Assert.Null(e.Summary);
        Assert.Null(e.SummaryOffset);
    }

    [Theory]
    [InlineData("PauseEvent", typeof(PauseEvent), EventSource.User)]
    [InlineData("InterruptEvent", typeof(InterruptEvent), EventSource.User)]
    [InlineData("CondensationRequest", typeof(CondensationRequest), EventSource.Environment)]
    public void MarkerEvents_ReadWithExplicitSource(string kind, Type type, EventSource source)
    {
        var e = Read("{\"id\":\"p\",\"timestamp\":\"t\",\"source\":\"" + SourceName(source) + "\",\"parent_id\":null,\"kind\":\"" + kind + "\"}");

        Assert.IsType(type, e);
        Assert.Equal(source, e.Source);
        Assert.Equal("p", e.Id);
    }

    [Fact]
    public void CondensationSummaryEvent_Reads()
    {
        var e = Read<CondensationSummaryEvent>("""{"id":"c-summary","timestamp":"t","source":"environment","summary":"S","kind":"CondensationSummaryEvent"}""");

        Assert.Equal(("c-summary", "S"), (e.Id, e.Summary));
    }

    [Fact]
    public void LLMCompletionLogEvent_MissingNames_UseDefaults()
    {
        var e = Read<LLMCompletionLogEvent>("""{"id":"x","timestamp":"t","filename":"f.json","log_data":"{}","kind":"LLMCompletionLogEvent"}""");

        Assert.Equal(("f.json", "{}", "unknown", "default", EventSource.Environment), (e.Filename, e.LogData, e.ModelName, e.UsageId, e.Source));
    }

    [Fact]
    public void StreamingDeltaEvent_ReadsContentAndNullReasoning()
    {
        var e = Read<StreamingDeltaEvent>("""{"id":"x","timestamp":"t","source":"agent","content":"The co","reasoning_content":null,"kind":"StreamingDeltaEvent"}""");

        Assert.Equal("The co", e.Content);
        Assert.Null(e.ReasoningContent);
    }

    [Fact]
    public void TokenEvent_ReadsTokenIds()
    {
        var e = Read<TokenEvent>("""{"id":"x","timestamp":"t","source":"agent","prompt_token_ids":[1,2],"response_token_ids":[3],"kind":"TokenEvent"}""");

        Assert.Equal([1, 2], e.PromptTokenIds);
        Assert.Equal([3], e.ResponseTokenIds);
    }

    [Fact]
    public void HookExecutionEvent_SparseInput_KeepsDefaults()
    {
        var e = Read<HookExecutionEvent>("""
            {"id":"x","timestamp":"t","hook_event_type":"Stop","hook_command":"./stop.sh","success":false,"exit_code":2,
             "reason":"blocked by policy","hook_input":null,"kind":"HookExecutionEvent"}
            """);

        Assert.Equal(("Stop", "./stop.sh", 2, "blocked by policy"), (e.HookEventType, e.HookCommand, e.ExitCode, e.Reason));
        Assert.Equal((EventSource.Hook, false, "", ""), (e.Source, e.Blocked, e.Stdout, e.Stderr));
        Assert.Null(e.HookInput);
    }

    [Fact]
    public void ServerErrorEvent_Reads()
    {
        var e = Read<ServerErrorEvent>("""{"id":"x","timestamp":"t","source":"environment","code":"InvalidFrame","detail":"bad","kind":"ServerErrorEvent"}""");

        Assert.Equal(("InvalidFrame", "bad"), (e.Code, e.Detail));
    }

    private static string SourceName(EventSource source) => source.ToString().ToLowerInvariant();
}
