using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using static Deckhand.Contracts.Tests.Events.GoldenJson;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>
/// Events as OpenHands writes them (spec Appendix A.2): <c>kind</c> last, optional fields present as <c>null</c>.
/// Proves the discriminator need not come first and explicit nulls are accepted.
/// </summary>
public sealed class OpenHandsShapedReadTests
{
    [Fact]
    public void SystemPromptEvent_KindLast_ReadsPromptAndTools()
    {
        var e = Read<SystemPromptEvent>("""
            {"id":"a11","timestamp":"2026-08-22T18:34:55.001122","source":"agent","parent_id":null,
             "system_prompt":{"cache_prompt":false,"type":"text","text":"<SOUL>"},
             "tools":[{"description":"Execute a shell command","action_type":"TerminalAction","observation_type":"TerminalObservation",
               "annotations":{"title":"terminal","readOnlyHint":false,"destructiveHint":true,"idempotentHint":false,"openWorldHint":true},
               "meta":null,"kind":"TerminalTool","title":"terminal"}],
             "dynamic_context":{"cache_prompt":true,"type":"text","text":"<CURRENT_DATETIME>"},
             "kind":"SystemPromptEvent"}
            """);

        Assert.Equal("<SOUL>", e.SystemPrompt.Text);
        Assert.Equal("<CURRENT_DATETIME>", e.DynamicContext!.Text);
        Assert.True(e.DynamicContext.CachePrompt);
        var tool = Assert.Single(e.Tools);
        Assert.Equal(("TerminalTool", "terminal", "TerminalAction", "TerminalObservation"), (tool.Kind, tool.Title, tool.ActionType, tool.ObservationType));
        Assert.True(tool.Annotations!.DestructiveHint);
        Assert.True(tool.Annotations.OpenWorldHint);
        Assert.False(tool.Annotations.ReadOnlyHint);
        Assert.Null(e.ParentId);
    }

    [Fact]
    public void MessageEvent_WithExplicitNulls_ReadsMessage()
    {
        var e = Read<MessageEvent>("""
            {"id":"b22","timestamp":"2026-08-22T18:34:55.001122","source":"user","parent_id":"a11",
             "llm_message":{"role":"user","content":[{"cache_prompt":false,"type":"text","text":"Flip a coin!"}],
               "tool_calls":null,"tool_call_id":null,"name":null,"reasoning_content":null,"thinking_blocks":[],"responses_reasoning_item":null},
             "llm_response_id":null,"activated_skills":["coin"],"extended_content":[{"cache_prompt":false,"type":"text","text":"suffix"}],
             "sender":null,"critic_result":null,"kind":"MessageEvent"}
            """);

        Assert.Equal(EventSource.User, e.Source);
        Assert.Equal("a11", e.ParentId);
        Assert.Equal(MessageRole.User, e.LlmMessage.Role);
        Assert.Equal("Flip a coin!", e.LlmMessage.Text());
        Assert.Null(e.LlmMessage.ToolCalls);
        Assert.Null(e.LlmResponseId);
        Assert.Equal(["coin"], e.ActivatedSkills);
        Assert.Equal("suffix", Assert.Single(e.ExtendedContent).Text);
    }

    [Fact]
    public void ActionEvent_FinishAction_ReadsActionAndToolCall()
    {
        var e = Read<ActionEvent>("""
            {"id":"f66","timestamp":"2026-08-22T18:34:55.001122","source":"agent","parent_id":null,
             "thought":[{"cache_prompt":false,"type":"text","text":"Done."}],"reasoning_content":null,"thinking_blocks":[],
             "responses_reasoning_item":null,"action":{"message":"The coin landed on tails.","kind":"FinishAction"},
             "tool_name":"finish","tool_call_id":"toolu_02",
             "tool_call":{"id":"toolu_02","responses_item_id":null,"name":"finish","arguments":"{\"message\": \"The coin landed on tails.\"}","origin":"completion"},
             "llm_response_id":"chatcmpl-9y","security_risk":"HIGH","critic_result":null,"summary":"finish","kind":"ActionEvent"}
            """);

        Assert.Equal("The coin landed on tails.", Assert.IsType<FinishAction>(e.Action).Message);
        Assert.Equal("Done.", Assert.Single(e.Thought).Text);
        Assert.Equal(("toolu_02", "finish", "completion"), (e.ToolCall.Id, e.ToolCall.Name, e.ToolCall.Origin));
        Assert.Equal("{\"message\": \"The coin landed on tails.\"}", e.ToolCall.Arguments);
        Assert.Equal(SecurityRisk.High, e.SecurityRisk);
        Assert.Equal("chatcmpl-9y", e.LlmResponseId);
        Assert.Equal("finish", e.Summary);
    }

    [Fact]
    public void ActionEvent_NullAction_AndMissingDefaults_ReadAsNonExecutable()
    {
        var e = Read<ActionEvent>("""
            {"id":"x","timestamp":"t","source":"agent","action":null,"tool_name":"terminal","tool_call_id":"c1",
             "tool_call":{"id":"c1","name":"terminal","arguments":"{}"},"llm_response_id":"r1","kind":"ActionEvent"}
            """);

        Assert.Null(e.Action);
        Assert.Equal(SecurityRisk.Unknown, e.SecurityRisk);
        Assert.Equal("completion", e.ToolCall.Origin);
        Assert.Empty(e.Thought);
        Assert.Empty(e.ThinkingBlocks);
    }

    [Fact]
    public void ActionEvent_ThinkAction_Reads()
    {
        var e = Read<ActionEvent>("""
            {"id":"x","timestamp":"t","source":"agent","action":{"thought":"hmm","kind":"ThinkAction"},"tool_name":"think",
             "tool_call_id":"c1","tool_call":{"id":"c1","name":"think","arguments":"{}","origin":"responses"},"llm_response_id":"r1",
             "security_risk":"MEDIUM","kind":"ActionEvent"}
            """);

        Assert.Equal("hmm", Assert.IsType<ThinkAction>(e.Action).Thought);
        Assert.Equal(SecurityRisk.Medium, e.SecurityRisk);
        Assert.Equal("responses", e.ToolCall.Origin);
    }

    [Theory]
    [InlineData("FinishObservation", typeof(FinishObservation))]
    [InlineData("ThinkObservation", typeof(ThinkObservation))]
    public void ObservationEvent_ReadsObservationKind(string kind, Type expected)
    {
        var e = Read<ObservationEvent>("""
            {"id":"e55","timestamp":"t","source":"environment","parent_id":null,"tool_name":"finish","tool_call_id":"toolu_02",
             "observation":{"content":[{"cache_prompt":false,"type":"text","text":"T"}],"is_error":true,"kind":"OBS"},
             "action_id":"f66","extended_content":[],"kind":"ObservationEvent"}
            """.Replace("OBS", kind, StringComparison.Ordinal));

        Assert.IsType(expected, e.Observation);
        Assert.Equal("T", e.Observation.Text());
        Assert.True(e.Observation.IsError);
        Assert.Equal(("finish", "toolu_02", "f66"), (e.ToolName, e.ToolCallId, e.ActionId));
    }

    [Fact]
    public void UserRejectObservation_ReadsReason_AndDefaultsWhenMissing()
    {
        var given = Read<UserRejectObservation>("""
            {"id":"r","timestamp":"t","source":"environment","tool_name":"terminal","tool_call_id":"toolu_04",
             "rejection_reason":"User rejected the action.","rejection_source":"hook","action_id":"d44","kind":"UserRejectObservation"}
            """);
        var missing = Read<UserRejectObservation>("""
            {"id":"r","timestamp":"t","tool_name":"terminal","tool_call_id":"toolu_04","action_id":"d44","kind":"UserRejectObservation"}
            """);

        Assert.Equal(("User rejected the action.", "hook", "d44"), (given.RejectionReason, given.RejectionSource, given.ActionId));
        Assert.Equal(("User rejected the action", "user", EventSource.Environment), (missing.RejectionReason, missing.RejectionSource, missing.Source));
    }

    [Fact]
    public void AgentErrorEvent_ReadsClassification_AndDefaultsToUnknown()
    {
        var given = Read<AgentErrorEvent>("""
            {"id":"x","timestamp":"t","source":"agent","tool_name":"terminal","tool_call_id":"toolu_03","error":"bad args",
             "classification":{"kind":"agent_action","retryable":true,"user_action":"retry","error_id":null},"kind":"AgentErrorEvent"}
            """);
        var missing = Read<AgentErrorEvent>("""
            {"id":"x","timestamp":"t","tool_name":"terminal","tool_call_id":"toolu_03","error":"bad args","kind":"AgentErrorEvent"}
            """);

        Assert.Equal(ErrorClassification.AgentOutcome, given.Classification);
        Assert.Equal("bad args", given.Error);
        Assert.Equal(new ErrorClassification { Kind = "unknown", Retryable = false, UserAction = "none" }, missing.Classification);
        Assert.Equal(EventSource.Agent, missing.Source);
    }

    [Fact]
    public void TextContent_WithoutTypeTag_StillReads()
    {
        // Events stored before TextContent slots wrote "type" must keep loading.
        var e = Read<SystemPromptEvent>("""{"kind":"SystemPromptEvent","id":"x","timestamp":"t","source":"agent","system_prompt":{"text":"p","cache_prompt":false}}""");

        Assert.Equal(new TextContent("p"), e.SystemPrompt);
    }
}
