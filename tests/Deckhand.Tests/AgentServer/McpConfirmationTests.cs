using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary>An MCP tool call is held for confirmation like any other tool call: accept runs it, reject records a rejection.</summary>
public sealed class McpConfirmationTests
{
    [Fact]
    public async Task McpToolCall_UnderAlwaysConfirm_WaitsForTheUser_AcceptRunsIt_RejectRecordsARejection()
    {
        var workspace = TempDir.Create("deckhand-mcp-confirm");
        try
        {
            await using var llm = await ScriptedLlmServer.StartAsync();
            llm.Enqueue(
                ScriptedReply.ToolCall("echo", new { text = "accepted call", security_risk = "LOW", summary = "echo once" }),
                ScriptedReply.ToolCall("echo", new { text = "rejected call", security_risk = "LOW" }),
                ScriptedReply.ToolCall("finish", new { message = "Done without the second echo." }));
            await using var server = await TestAgentServer.StartAsync();
            var request = TestMcp.Start(llm.BaseUrl, TestMcp.Config(("tester", TestMcp.Stdio())), workspace) with
            {
                ConfirmationPolicy = new AlwaysConfirm(),
            };
            var (created, _) = await server.Client.CreateConversationAsync(request);

            // Held: the action is recorded, the MCP server is not called.
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.WaitingForConfirmation, TimeSpan.FromSeconds(60));
            var events = await server.Client.AllEventsAsync(created.Id);
            var first = Assert.Single(events.OfType<ActionEvent>());
            Assert.Equal("echo", first.ToolName);
            Assert.IsType<McpToolAction>(first.Action);
            Assert.DoesNotContain(events, e => e is ObservationEvent);

            // Accept: the MCP tool runs, and the model's next call is held again.
            await server.Client.RespondToConfirmationAsync(created.Id, accept: true);
            await Wait.UntilAsync(async () => (await server.Client.AllEventsAsync(created.Id)).OfType<ActionEvent>().Count() == 2
                && (await server.Client.GetConversationAsync(created.Id))!.ExecutionStatus == ExecutionStatus.WaitingForConfirmation,
                "the second MCP call to be held");
            events = await server.Client.AllEventsAsync(created.Id);
            var observation = Assert.Single(events.OfType<ObservationEvent>());
            Assert.Equal(first.Id, observation.ActionId);
            Assert.Contains("accepted call", Assert.IsType<McpToolObservation>(observation.Observation).Text());

            // Reject: a rejection for the held MCP call, nothing runs, and the agent goes on at the next run.
            await server.Client.RespondToConfirmationAsync(created.Id, accept: false, reason: "not that one");
            var second = (await server.Client.AllEventsAsync(created.Id)).OfType<ActionEvent>().Last();
            var rejection = Assert.Single((await server.Client.AllEventsAsync(created.Id)).OfType<UserRejectObservation>());
            Assert.Equal(second.Id, rejection.ActionId);
            Assert.Equal("not that one", rejection.RejectionReason);
            await server.Client.RunAsync(created.Id);
            await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));
            events = await server.Client.AllEventsAsync(created.Id);
            Assert.Single(events.OfType<ObservationEvent>(), o => o.ToolName == "echo");
            Assert.Contains("not that one", llm.Requests[2].MessageText(^1));
        }
        finally
        {
            TempDir.Delete(workspace);
        }
    }
}
