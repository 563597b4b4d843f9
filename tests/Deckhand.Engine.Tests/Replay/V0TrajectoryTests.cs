using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Engine.Replay;

namespace Deckhand.Engine.Tests.Replay;

/// <summary>V0 trajectory → Deckhand tool calls (V0 spec §4.2 args, tool-schemas.json parameters).</summary>
public sealed class V0TrajectoryTests
{
    private const string WorkingDir = "/home/me/project";

    private const string Start = """
        {"id":0,"source":"environment","observation":"agent_state_changed","content":"","extras":{"agent_state":"loading"}},
        {"id":1,"source":"agent","action":"system","args":{"content":"sys"}},
        {"id":2,"source":"user","action":"message","args":{"content":"Do it","image_urls":["data:image/png;base64,AAAA"],"wait_for_response":false}}
        """;

    private static V0Replay Parse(string actions)
    {
        Assert.True(V0Trajectory.TryParse($"[{Start}{(actions.Length > 0 ? "," : "")}{actions}]", WorkingDir, out var replay, out var error), error);
        return replay;
    }

    private static JsonElement Args(V0Replay replay, int index) => JsonDocument.Parse(replay.Calls[index].Arguments).RootElement;

    [Fact]
    public void FirstUserMessage_StartsTheReplay_WithItsImages()
    {
        var replay = Parse("");

        Assert.Empty(replay.Calls);
        Assert.Equal("Do it", replay.InitialMessage.Text());
        Assert.Equal(["data:image/png;base64,AAAA"], Assert.IsType<ImageContent>(replay.InitialMessage.Content[1]).ImageUrls);
    }

    [Fact]
    public void Run_MapsToTerminal_WithIsInputTimeoutAndRisk()
    {
        var replay = Parse("""
            {"source":"agent","action":"run","timeout":12.5,"args":{"command":"C-c","is_input":true,"thought":"stop it","security_risk":2}},
            {"source":"agent","observation":"run","content":"x","extras":{}},
            {"source":"agent","action":"run","args":{"command":"ls -la","is_input":false,"security_risk":-1}}
            """);

        Assert.Equal(2, replay.Calls.Count);
        Assert.Equal("terminal", replay.Calls[0].Tool);
        Assert.Equal("stop it", replay.Calls[0].Thought);
        Assert.Equal(1, replay.Calls[0].Index);
        Assert.Equal(2, replay.Calls[1].Index);
        Assert.Equal("""{"command":"C-c","is_input":true,"timeout":12.5,"security_risk":"HIGH"}""", replay.Calls[0].Arguments);
        Assert.Equal("""{"command":"ls -la"}""", replay.Calls[1].Arguments);
    }

    [Fact]
    public void WriteEditRead_MapToFileEditor_WithV0WorkspacePathsMovedToTheWorkingDir()
    {
        var replay = Parse("""
            {"source":"agent","action":"write","args":{"path":"/workspace/a.txt","content":"hello\n","start":0,"end":-1}},
            {"source":"agent","action":"edit","args":{"path":"/workspace/a.txt","command":"str_replace","file_text":null,"old_str":"hello","new_str":"bye","insert_line":null}},
            {"source":"agent","action":"edit","args":{"path":"b.txt","command":"insert","new_str":"x","insert_line":3}},
            {"source":"agent","action":"edit","args":{"path":"/tmp/c.txt","command":"create","file_text":"c"}},
            {"source":"agent","action":"edit","args":{"path":"/workspace/d.txt","command":"","content":"whole file","start":1,"end":-1}},
            {"source":"agent","action":"read","args":{"path":"/workspace","start":0,"end":-1}},
            {"source":"agent","action":"read","args":{"path":"/workspace/a.txt","start":4,"end":10}},
            {"source":"agent","action":"read","args":{"path":"/workspace/a.txt","view_range":[2,3]}}
            """);

        Assert.All(replay.Calls, c => Assert.Equal("file_editor", c.Tool));
        Assert.Equal("""{"command":"create","path":"/home/me/project/a.txt","file_text":"hello\n"}""", replay.Calls[0].Arguments);
        Assert.Equal("""{"command":"str_replace","path":"/home/me/project/a.txt","old_str":"hello","new_str":"bye"}""", replay.Calls[1].Arguments);
        Assert.Equal("""{"command":"insert","path":"/home/me/project/b.txt","new_str":"x","insert_line":3}""", replay.Calls[2].Arguments);
        Assert.Equal("""{"command":"create","path":"/tmp/c.txt","file_text":"c"}""", replay.Calls[3].Arguments);
        Assert.Equal("""{"command":"create","path":"/home/me/project/d.txt","file_text":"whole file"}""", replay.Calls[4].Arguments);
        Assert.Equal("""{"command":"view","path":"/home/me/project"}""", replay.Calls[5].Arguments);
        Assert.Equal("""{"command":"view","path":"/home/me/project/a.txt","view_range":[5,10]}""", replay.Calls[6].Arguments);
        Assert.Equal("""{"command":"view","path":"/home/me/project/a.txt","view_range":[2,3]}""", replay.Calls[7].Arguments);
    }

    [Fact]
    public void ThinkTaskTrackingAndMcp_MapToTheirTools()
    {
        var replay = Parse("""
            {"source":"agent","action":"think","args":{"thought":"hmm"}},
            {"source":"agent","action":"task_tracking","args":{"command":"plan","task_list":[{"id":"1","title":"t","status":"todo"}],"thought":""}},
            {"source":"agent","action":"call_tool_mcp","args":{"name":"fetch","arguments":{"url":"http://x"},"thought":"get it"}}
            """);

        Assert.Equal(["think", "task_tracker", "fetch"], replay.Calls.Select(c => c.Tool));
        Assert.Equal("""{"thought":"hmm"}""", replay.Calls[0].Arguments);
        Assert.Equal("", replay.Calls[0].Thought);
        Assert.Equal("plan", Args(replay, 1).GetProperty("command").GetString());
        Assert.Equal("t", Args(replay, 1).GetProperty("task_list")[0].GetProperty("title").GetString());
        Assert.Equal("""{"url":"http://x"}""", replay.Calls[2].Arguments);
        Assert.Equal("get it", replay.Calls[2].Thought);
    }

    [Fact]
    public void Finish_IsReplayed_AndEndsTheReplay()
    {
        var replay = Parse("""
            {"source":"agent","action":"finish","args":{"final_thought":"All set.","outputs":{},"thought":""}},
            {"source":"user","action":"message","args":{"content":"more"}},
            {"source":"agent","action":"run","args":{"command":"ls"}}
            """);

        var finish = Assert.Single(replay.Calls);
        Assert.Equal("finish", finish.Tool);
        Assert.Equal("""{"message":"All set."}""", finish.Arguments);
        Assert.Equal(2, replay.Skipped.Count);
        Assert.All(replay.Skipped, s => Assert.Contains("after finish", s));
    }

    [Fact]
    public void MessagesObservationsBookkeepingAndUnknownActions_AreNotReplayed_AndUnknownOnesAreReported()
    {
        var replay = Parse("""
            {"source":"user","action":"recall","args":{"recall_type":"workspace_context"}},
            {"source":"agent","action":"message","args":{"content":"thinking aloud","wait_for_response":false}},
            {"source":"user","action":"message","args":{"content":"a later message"}},
            {"source":"agent","action":"browse","args":{"url":"http://x"}},
            {"source":"agent","action":"run_ipython","args":{"code":"1"}},
            {"source":"agent","action":"edit","args":{"path":"/workspace/a","command":"","content":"x","start":3,"end":5}},
            {"source":"environment","action":"change_agent_state","args":{"agent_state":"running"}},
            {"source":"agent","action":"condensation","args":{}},
            {"source":"agent","observation":"error","content":"boom","extras":{}}
            """);

        Assert.Empty(replay.Calls);
        Assert.Equal(5, replay.Skipped.Count);
        Assert.Contains(replay.Skipped, s => s.Contains("'browse'", StringComparison.Ordinal));
        Assert.Contains(replay.Skipped, s => s.Contains("'run_ipython'", StringComparison.Ordinal));
        Assert.Contains(replay.Skipped, s => s.Contains("LLM-based edit", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{}", "must be a JSON list")]
    [InlineData("\"[]\"", "must be a JSON list")]
    [InlineData("[", "not valid JSON")]
    [InlineData("[]", "no user message")]
    [InlineData("[null]", "item 0")]
    [InlineData("""[{"source":"agent","content":"x"}]""", "neither 'action' nor 'observation'")]
    [InlineData("""[{"source":"agent","action":"run","args":{"command":"ls"}}]""", "must start with the user's message")]
    [InlineData("""[{"source":"agent","action":"message","args":{"content":"hi"}}]""", "from 'agent'")]
    public void Malformed_IsRefusedWithAClearMessage(string json, string expected)
    {
        Assert.False(V0Trajectory.TryParse(json, WorkingDir, out var replay, out var error));
        Assert.Null(replay);
        Assert.Contains(expected, error);
        Assert.Contains("replay_json", error);
    }
}
