using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.V0;

/// <summary>
/// <c>replay_json</c> through the V0 create route (spec §5.4): the recorded commands run again in the conversation's
/// workspace, in its sandbox, and the model is asked nothing until the recording is used up.
/// </summary>
public sealed class ConversationsReplayTests : IAsyncLifetime
{
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync() => await _llm.DisposeAsync();

    /// <summary>A recording: the user's task, two commands writing a file (with made-up recorded outputs), a final message.</summary>
    private static string Trajectory() => new JsonArray(
        Event(0, "environment", new JsonObject { ["observation"] = "agent_state_changed", ["content"] = "", ["extras"] = new JsonObject { ["agent_state"] = "loading", ["reason"] = "" } }),
        Event(1, "user", Action("message", new JsonObject { ["content"] = "Write the tide table", ["image_urls"] = new JsonArray(), ["wait_for_response"] = false })),
        Event(2, "agent", Action("run", new JsonObject { ["command"] = "echo high-tide > tides.txt", ["is_input"] = false, ["thought"] = "" })),
        Event(3, "agent", new JsonObject { ["observation"] = "run", ["cause"] = 2, ["content"] = "RECORDED-NOT-REAL", ["extras"] = new JsonObject { ["command"] = "x" } }),
        Event(4, "agent", Action("run", new JsonObject { ["command"] = "echo low-tide >> tides.txt && cat tides.txt", ["is_input"] = false, ["thought"] = "" })),
        Event(5, "agent", Action("message", new JsonObject { ["content"] = "Done.", ["wait_for_response"] = true })))
        .ToJsonString();

    private static JsonObject Event(int id, string source, JsonObject body)
    {
        body["id"] = id;
        body["timestamp"] = "2025-11-15T09:43:2" + id;
        body["source"] = source;
        body["message"] = "";
        return body;
    }

    private static JsonObject Action(string action, JsonObject args) => new() { ["action"] = action, ["args"] = args };

    [Fact]
    public async Task ReplayJson_RunsTheRecordedCommandsInTheSandbox_BeforeTheModelIsAsked()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        _llm.Enqueue(ScriptedReply.ToolCall("finish", new { message = "The tide table is written." }));

        var body = new JsonObject { ["replay_json"] = Trajectory() }.ToJsonString();
        var created = await flow.JsonAsync(HttpMethod.Post, "api/conversations", body);
        var id = created.GetProperty("conversation_id").GetString()!;
        await ConversationsLifecycleTests.WaitForStatusAsync(flow, id, "RUNNING");

        // The agent's first model call comes after both recorded commands really ran: their real outputs are in it.
        var first = await WaitForAgentRequestAsync();
        Assert.Contains("Write the tide table", first.Body);
        Assert.Contains("high-tide", first.Body);
        Assert.Contains("low-tide", first.Body);
        Assert.DoesNotContain("RECORDED-NOT-REAL", first.Body);

        await Wait.UntilAsync(async () =>
            (await flow.SendAsync(HttpMethod.Get, $"api/v1/events/search?conversation_id__eq={id}&limit=100")).Body.Contains("The tide table is written."),
            "the agent to finish after the replay", TimeSpan.FromSeconds(60));
        var file = await flow.JsonAsync(HttpMethod.Get, $"api/conversations/{id}/select-file?file=tides.txt");
        Assert.Equal("high-tide\nlow-tide\n", file.GetProperty("code").GetString());
        Assert.Single(_llm.Requests, r => r.Tools.Count > 0);
    }

    [Fact]
    public async Task ReplayJson_ThatIsNotATrajectory_Is422_AndStartsNothing()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);

        foreach (var bad in new[] { "not json", "{}", """[{"action":"run","source":"agent","args":{"command":"ls"}}]""" })
        {
            var (status, text) = await flow.SendAsync(HttpMethod.Post, "api/conversations", new JsonObject { ["replay_json"] = bad }.ToJsonString());
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            var detail = JsonDocument.Parse(text).RootElement.GetProperty("detail")[0];
            Assert.Equal("replay_json", detail.GetProperty("loc")[1].GetString());
        }
        var list = await flow.JsonAsync(HttpMethod.Get, "api/conversations");
        Assert.Equal(0, list.GetProperty("results").GetArrayLength());
    }

    private async Task<ScriptedRequest> WaitForAgentRequestAsync()
    {
        ScriptedRequest? found = null;
        await Wait.UntilAsync(() =>
        {
            found = _llm.Requests.FirstOrDefault(r => r.Tools.Count > 0);
            return Task.FromResult(found is not null);
        }, "the agent's first model call", TimeSpan.FromSeconds(90));
        return found!;
    }
}
