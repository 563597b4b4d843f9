using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>
/// <c>replay_json</c> on create (Deckhand extension, V0 spec §5.4): the recorded agent actions run again for real in
/// the workspace, the model is asked nothing until the recording is used up, then the agent carries on with the model.
/// </summary>
public sealed class ReplayTests : IDisposable
{
    private readonly string _workspace = TempDir.Create("deckhand-recorded-ws");

    public void Dispose() => TempDir.Delete(_workspace);

    /// <summary>A V0 trajectory as V0's <c>/trajectory</c> returns it: two commands that write a file, then an edit of it.</summary>
    private const string Trajectory = """
        [
          {"id":0,"timestamp":"2025-11-15T09:43:21","source":"environment","message":"","observation":"agent_state_changed","content":"","extras":{"agent_state":"loading","reason":""}},
          {"id":1,"timestamp":"2025-11-15T09:43:22","source":"agent","message":"You are...","action":"system","args":{"content":"You are an agent.","tools":null,"openhands_version":"0.62","agent_class":"CodeActAgent"}},
          {"id":2,"timestamp":"2025-11-15T09:43:23","source":"user","message":"Keep notes","action":"message","args":{"content":"Keep notes in notes.txt","file_urls":null,"image_urls":[],"wait_for_response":false,"security_risk":-1}},
          {"id":3,"timestamp":"2025-11-15T09:43:23","source":"user","message":"Retrieving content for: Keep notes","action":"recall","args":{"recall_type":"workspace_context","query":"Keep notes in notes.txt","thought":""}},
          {"id":4,"timestamp":"2025-11-15T09:43:24","source":"environment","message":"Added workspace context","cause":3,"observation":"recall","content":"","extras":{"recall_type":"workspace_context"}},
          {"id":5,"timestamp":"2025-11-15T09:43:25","source":"agent","message":"Running command: echo first | tee notes.txt","action":"run","args":{"command":"echo first | tee notes.txt","is_input":false,"thought":"Start the notes file.","blocking":false,"is_static":false,"cwd":null,"hidden":false,"confirmation_state":"confirmed","security_risk":0}},
          {"id":6,"timestamp":"2025-11-15T09:43:26","source":"agent","message":"Command executed","cause":5,"observation":"run","content":"RECORDED-OUTPUT-1","extras":{"command":"echo first | tee notes.txt","metadata":{"exit_code":0},"hidden":false},"success":true},
          {"id":7,"timestamp":"2025-11-15T09:43:27","source":"agent","message":"Running command","action":"run","args":{"command":"echo second | tee -a notes.txt","is_input":false,"thought":"","blocking":false,"is_static":false,"cwd":null,"hidden":false,"confirmation_state":"confirmed","security_risk":0}},
          {"id":8,"timestamp":"2025-11-15T09:43:28","source":"agent","message":"Command executed","cause":7,"observation":"run","content":"RECORDED-OUTPUT-2","extras":{"command":"echo second | tee -a notes.txt","metadata":{"exit_code":0},"hidden":false},"success":true},
          {"id":9,"timestamp":"2025-11-15T09:43:29","source":"agent","message":"","action":"edit","args":{"path":"/workspace/notes.txt","command":"str_replace","file_text":null,"old_str":"second","new_str":"third","insert_line":null,"content":"","start":1,"end":-1,"thought":"Fix the second line.","security_risk":0,"impl_source":"oh_aci"}},
          {"id":10,"timestamp":"2025-11-15T09:43:30","source":"agent","message":"I edited the file","cause":9,"observation":"edit","content":"RECORDED-OUTPUT-3","extras":{"path":"/workspace/notes.txt","prev_exist":true,"old_content":null,"new_content":null,"impl_source":"oh_aci","diff":null,"_diff_cache":null}},
          {"id":11,"timestamp":"2025-11-15T09:43:31","source":"agent","message":"Notes are kept.","action":"message","args":{"content":"Notes are kept.","file_urls":null,"image_urls":null,"wait_for_response":true,"security_risk":-1}},
          {"id":12,"timestamp":"2025-11-15T09:43:31","source":"environment","message":"","observation":"agent_state_changed","content":"","extras":{"agent_state":"awaiting_user_input","reason":""}}
        ]
        """;

    private StartConversationRequest Replay(ScriptedLlmServer llm, string replayJson, ConfirmationPolicy? policy = null)
    {
        var request = Requests.Start(llm.BaseUrl);
        return request with
        {
            Workspace = new Workspace { WorkingDir = _workspace },
            Agent = request.Agent! with { Tools = [new ToolSpec { Name = "terminal" }, new ToolSpec { Name = "file_editor" }] },
            ConfirmationPolicy = policy ?? new NeverConfirm(),
            ReplayJson = replayJson,
        };
    }

    [Fact]
    public async Task ReplayJson_RunsTheRecordedCommandsAndEdit_ThenAsksTheModelOnce_WithTheReplayedCallsAndRealOutputs()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "The notes are in notes.txt." }));
        await using var server = await TestAgentServer.StartAsync();

        var (created, isNew) = await server.Client.CreateConversationAsync(Replay(llm, Trajectory));
        Assert.True(isNew);
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

        // The commands and the edit really ran, in this workspace (V0's /workspace is the working directory).
        Assert.Equal("first\nthird\n", await File.ReadAllTextAsync(Path.Combine(_workspace, "notes.txt")));

        var events = await server.Client.AllEventsAsync(created.Id);
        Assert.DoesNotContain(events, e => e is AgentErrorEvent or ConversationErrorEvent);
        var user = Assert.Single(events.OfType<MessageEvent>(), m => m.Source == EventSource.User);
        Assert.Equal("Keep notes in notes.txt", user.LlmMessage.Text());
        var actions = events.OfType<ActionEvent>().ToList();
        Assert.Equal(["replay-1", "replay-2", "replay-3"], actions.Take(3).Select(a => a.LlmResponseId));
        Assert.Equal(["terminal", "terminal", "file_editor", "finish"], actions.Select(a => a.ToolName));
        Assert.Equal("Start the notes file.", string.Concat(actions[0].Thought.Select(t => t.Text)));
        Assert.Equal("echo first | tee notes.txt", Assert.IsType<TerminalAction>(actions[0].Action).Command);
        Assert.Equal(3, actions.Take(3).Select(a => a.ToolCallId).Distinct().Count());
        var outputs = events.OfType<ObservationEvent>().Take(3).ToList();
        Assert.Equal(actions.Take(3).Select(a => a.Id), outputs.Select(o => o.ActionId));
        Assert.Equal(0, Assert.IsType<TerminalObservation>(outputs[0].Observation).ExitCode);
        Assert.DoesNotContain(events, e => JsonSerializer.Serialize(e, DeckhandJson.Wire.Event).Contains("RECORDED-OUTPUT", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e is MessageEvent { Source: EventSource.Agent }); // the recorded agent message is not replayed

        // Exactly one model call, after the replay: its history holds the replayed calls and what they really printed.
        var request = Assert.Single(llm.Requests);
        var body = request.Body;
        Assert.Contains("echo first | tee notes.txt", body);
        Assert.Contains("echo second | tee -a notes.txt", body);
        Assert.Contains("old_str", body);
        Assert.DoesNotContain("RECORDED-OUTPUT", body);
        var roles = Enumerable.Range(0, request.Messages.Count).Select(i => request.MessageRole(i)).ToList();
        Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool", "assistant", "tool"], roles);
        Assert.Contains("first", request.MessageText(3));
        Assert.Contains("second", request.MessageText(5));
        Assert.Contains("third", request.MessageText(7));
        foreach (var (assistant, i) in new[] { 2, 4, 6 }.Select((m, i) => (request.Messages[m], i)))
        {
            var call = assistant.GetProperty("tool_calls")[0];
            Assert.Equal(actions[i].ToolCallId, call.GetProperty("id").GetString());
            Assert.Equal(actions[i].ToolName, call.GetProperty("function").GetProperty("name").GetString());
        }
        // The extension never shows in what the SDK parses.
        var info = await server.Http.GetStringAsync($"api/conversations/{created.Id}");
        Assert.DoesNotContain("replay", info, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ReplayJson_StoppedMidReplayByConfirmation_ContinuesAfterARestartWhereItStopped()
    {
        var dataDir = TempDir.Create("deckhand-recorded-data");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "Done." }));
            Guid id;
            await using (var first = await TestAgentServer.StartAsync(dataDir))
            {
                // Confirmation mode applies to replayed calls: the first one waits for the user.
                var (created, _) = await first.Client.CreateConversationAsync(Replay(llm, Trajectory, new AlwaysConfirm()));
                id = created.Id;
                await Wait.ForStatusAsync(first.Client, id, ExecutionStatus.WaitingForConfirmation);
                Assert.False(File.Exists(Path.Combine(_workspace, "notes.txt")));
            }

            await using var second = await TestAgentServer.StartAsync(dataDir);
            await second.Client.SetConfirmationPolicyAsync(id, new NeverConfirm());
            await second.Client.RespondToConfirmationAsync(id, accept: true);
            await Wait.ForStatusAsync(second.Client, id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

            Assert.Equal("first\nthird\n", await File.ReadAllTextAsync(Path.Combine(_workspace, "notes.txt")));
            var actions = (await second.Client.AllEventsAsync(id)).OfType<ActionEvent>().ToList();
            Assert.Equal(["replay-1", "replay-2", "replay-3"], actions.Take(3).Select(a => a.LlmResponseId));
            Assert.Equal(4, actions.Count);
            Assert.Single(llm.Requests);
        }
        finally
        {
            TempDir.Delete(dataDir);
        }
    }

    [Theory]
    [InlineData("""{"events":[]}""", "list")]
    [InlineData("""[{"id":1,"source":"agent","action":"run","args":{"command":"ls"}}]""", "message")]
    [InlineData("""[{"id":1,"source":"environment","observation":"agent_state_changed","extras":{}}]""", "message")]
    [InlineData("""[1, 2]""", "item 0")]
    [InlineData("[{\"action\":\"message\"", "not valid JSON")]
    public async Task ReplayJson_Malformed_Is422_AndCreatesNothing(string replayJson, string expected)
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var body = JsonSerializer.Serialize(Replay(llm, replayJson), DeckhandJson.Storage.StartConversationRequest);

        using var response = await server.Http.PostAsync("api/conversations", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var detail = await response.Content.ReadAsStringAsync();
        Assert.Contains("replay_json", detail);
        Assert.Contains(expected, detail);
        Assert.Empty((await server.Client.SearchConversationsAsync()).Items);
        Assert.Empty(llm.Requests);
    }

    [Fact]
    public async Task ReplayJson_WithInitialMessage_Is422()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var server = await TestAgentServer.StartAsync();
        var request = Replay(llm, Trajectory) with { InitialMessage = new SendMessageRequest { Content = [new Contracts.Content.TextContent("hi")] } };

        using var response = await server.Http.PostAsJsonAsync("api/conversations", request, DeckhandJson.Storage.StartConversationRequest);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("initial_message", await response.Content.ReadAsStringAsync());
    }
}
