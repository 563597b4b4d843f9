using System.Text.Json.Nodes;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.V0.Events;
using static Deckhand.Tests.V0.V0EventCases;

namespace Deckhand.Tests.V0;

public sealed class V0ProjectionTests
{
    /// <summary>Every field of each V0 action/observation type, in OpenHands' order (spec §4.2, §4.3).</summary>
    private static readonly Dictionary<string, string[]> SpecFields = new()
    {
        ["action:message"] = ["content", "file_urls", "image_urls", "wait_for_response", "security_risk"],
        ["action:system"] = ["content", "tools", "openhands_version", "agent_class"],
        ["action:run"] = ["command", "is_input", "thought", "blocking", "is_static", "cwd", "hidden", "confirmation_state", "security_risk"],
        ["action:read"] = ["path", "start", "end", "thought", "security_risk", "impl_source", "view_range"],
        ["action:edit"] = ["path", "command", "file_text", "old_str", "new_str", "insert_line", "content", "start", "end", "thought", "security_risk", "impl_source"],
        ["action:call_tool_mcp"] = ["name", "arguments", "thought", "security_risk"],
        ["action:think"] = ["thought"],
        ["action:finish"] = ["final_thought", "outputs", "thought"],
        ["action:change_agent_state"] = ["agent_state", "thought"],
        ["action:condensation"] = ["forgotten_event_ids", "forgotten_events_start_id", "forgotten_events_end_id", "summary", "summary_offset"],
        ["action:condensation_request"] = [],
        ["action:task_tracking"] = ["command", "task_list", "thought"],
        ["observation:run"] = ["command", "metadata", "hidden"],
        ["observation:read"] = ["path", "impl_source"],
        ["observation:edit"] = ["path", "prev_exist", "old_content", "new_content", "impl_source", "diff", "_diff_cache"],
        ["observation:error"] = ["error_id"],
        ["observation:agent_state_changed"] = ["agent_state", "reason"],
        ["observation:user_rejected"] = [],
        ["observation:condense"] = [],
        ["observation:think"] = [],
        ["observation:mcp"] = ["name", "arguments"],
        ["observation:task_tracking"] = ["command", "task_list"],
    };

    [Theory]
    [MemberData(nameof(V0GoldenTests.Cases), MemberType = typeof(V0GoldenTests))]
    public void ArgsAndExtras_CarryEveryFieldOfTheirType(string name)
    {
        if (JsonNode.Parse(V0GoldenTests.Project(name)) is not JsonObject e)
            return;
        var (kind, fields) = e["action"] is { } a ? ("action:" + (string?)a, e["args"]) : ("observation:" + (string?)e["observation"], e["extras"]);

        Assert.True(SpecFields.TryGetValue(kind, out var expected), $"{kind} is not a type the spec lists");
        Assert.Equal(expected, fields!.AsObject().Select(p => p.Key));
        Assert.NotNull(e["message"]);
        Assert.NotNull(e["timestamp"]);
        Assert.IsType<long>((long)e["id"]!);
        if (kind == "observation:run")
            Assert.Equal(["exit_code", "pid", "username", "hostname", "working_dir", "py_interpreter_path", "prefix", "suffix"],
                fields["metadata"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Ids_IncreaseFromTheSuppliedMapping_AndEventsWithoutAV0FormUseNone()
    {
        var ids = new V0EventIds(next: 100);
        var projector = new V0Projector(ids);

        var message = projector.Project(UserMessage("m", "hi"));
        var tokens = projector.Project(new TokenEvent());
        var stats = projector.Project(Stats("s"));
        var action = projector.Project(RunAction());
        var observation = projector.Project(Observation("o", "act-run", "terminal", new TerminalObservation { Command = "ls", ExitCode = 0 }));

        Assert.Equal(100, message!.Id);
        Assert.Null(tokens);
        Assert.Null(stats);
        Assert.Equal(101, action!.Id);
        Assert.Equal(102, observation!.Id);
        Assert.Equal(101, observation.Cause);
        Assert.Equal(103, ids.Next);
        // Projecting an event again (a replay) gives it the same id.
        Assert.Equal(101, new V0Projector(ids).Project(RunAction())!.Id);
    }

    [Fact]
    public void LlmMetrics_AppearOnAgentActions_OnceStatsAreKnown()
    {
        var projector = new V0Projector(new V0EventIds());

        Assert.Null(projector.Project(RunAction())!.LlmMetrics);
        projector.Project(Stats("s"));
        var metrics = projector.Project(Action("a2", "think", new ThinkAction { Thought = "x" }, "{}"))!.LlmMetrics!;

        Assert.Equal(0.375, (double)metrics["accumulated_cost"]!);
        Assert.Equal(1500, (long)metrics["accumulated_token_usage"]!["prompt_tokens"]!);
        Assert.Null(projector.Project(UserMessage("u", "hi"))!.LlmMetrics);
    }

    [Fact]
    public void ErrorState_CarriesTheLastErrorAsReason_UntilTheAgentRunsAgain()
    {
        var projector = new V0Projector(new V0EventIds());

        projector.Project(ConversationError());
        var error = projector.Project(Status("s1", "error"))!;
        projector.Project(Status("s2", "running"));
        var laterError = projector.Project(Status("s3", "error"))!;

        Assert.Equal("error", (string?)error.Extras!["agent_state"]);
        Assert.Equal("The provider rejected the API key.", (string?)error.Extras["reason"]);
        Assert.Equal("", (string?)laterError.Extras!["reason"]);
    }

    [Theory]
    [InlineData("\"hibernating\"")]
    [InlineData("42")]
    [InlineData("{\"usage_to_metrics\":7}")]
    public void UnknownStateValues_AreSkipped_NotThrown(string value)
    {
        var projector = new V0Projector(new V0EventIds());
        var json = System.Text.Json.JsonDocument.Parse(value).RootElement.Clone();

        Assert.Null(projector.Project(new ConversationStateUpdateEvent { Key = "execution_status", Value = json }));
        Assert.Null(projector.Project(new ConversationStateUpdateEvent { Key = "stats", Value = json }));
        Assert.Equal(0, projector.Project(UserMessage("m", "still works"))!.Id);
    }

    [Fact]
    public void LongCommandOutput_KeepsHeadAndTail()
    {
        var output = new string('h', 20_000) + new string('t', 20_000);
        var projector = new V0Projector(new V0EventIds());
        projector.Project(RunAction());

        var content = projector.Project(Observation("o", "act-run", "terminal", new TerminalObservation
        {
            Command = "ls", ExitCode = 0, Content = [new TextContent(output)],
        }))!.Content!;

        Assert.Equal(30_000 + "\n[... Observation truncated due to length ...]\n".Length, content.Length);
        Assert.StartsWith(new string('h', 15_000) + "\n[...", content);
        Assert.EndsWith("...]\n" + new string('t', 15_000), content);
    }

    [Fact]
    public void Timestamp_WithZeroMicroseconds_IsWrittenAsPythonWould()
    {
        var e = new V0Projector(new V0EventIds()).Project(new PauseEvent { Timestamp = "2026-01-02T03:04:05.000000" })!;

        Assert.Equal("2026-01-02T03:04:05", e.Timestamp);
    }

    [Fact]
    public void AdHocAgentState_HasNoId_ButKeepsTheEmptyMessageKey()
    {
        var json = JsonNode.Parse(V0Projector.AgentStateChanged(V0AgentStates.Stopped, timestamp: Time).ToJson())!.AsObject();

        Assert.False(json.ContainsKey("id"));
        Assert.Equal("", (string?)json["message"]);
        Assert.Equal("stopped", (string?)json["extras"]!["agent_state"]);
        Assert.Equal("agent_state_changed", (string?)json["observation"]);
    }
}
