using System.Text.Json;
using Deckhand.V0.Events;

namespace Deckhand.Tests.V0;

public sealed class V0ClientActionsTests
{
    private static V0ParseResult Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return V0ClientActions.Parse(doc.RootElement);
    }

    [Fact]
    public void Message_FromTheWebApp_IsASendMessage()
    {
        var result = Parse("""{"action":"message","args":{"content":"hi","image_urls":["data:image/png;base64,AA=="],"file_urls":["/workspace/a.txt"],"timestamp":"2025-11-15T02:50:00.000Z"}}""");

        var message = Assert.IsType<V0SendMessage>(result.Command);
        Assert.Null(result.Error);
        Assert.Equal("hi", message.Content);
        Assert.Equal(["data:image/png;base64,AA=="], message.ImageUrls);
        Assert.Equal(["/workspace/a.txt"], message.FileUrls);
    }

    [Fact]
    public void Message_WithLegacyKeys_IsRepairedLikeUpstream()
    {
        var result = Parse("""{"action":"message","args":{"content":"x","images_urls":["u"],"keep_prompt":true,"task_completed":false,"security_risk":9,"wait_for_response":false},"timeout":5}""");

        var message = Assert.IsType<V0SendMessage>(result.Command);
        Assert.Equal(["u"], message.ImageUrls);
        Assert.Empty(message.FileUrls);
    }

    [Theory]
    [InlineData("stopped", typeof(V0StopAgent))]
    [InlineData("paused", typeof(V0PauseAgent))]
    [InlineData("running", typeof(V0ResumeAgent))]
    public void ChangeAgentState_MapsToItsCommand(string state, Type expected)
    {
        var result = Parse($$$"""{"action":"change_agent_state","args":{"agent_state":"{{{state}}}"}}""");

        Assert.IsType(expected, result.Command);
    }

    [Theory]
    [InlineData("user_confirmed", true)]
    [InlineData("user_rejected", false)]
    public void ConfirmationAnswers_AreTyped(string state, bool confirmed)
    {
        var result = Parse($$$"""{"action":"change_agent_state","args":{"agent_state":"{{{state}}}","thought":""}}""");

        Assert.Equal(confirmed, Assert.IsType<V0ConfirmationAnswer>(result.Command).Confirmed);
    }

    [Theory]
    [InlineData("[1,2]", "Expected an event object")]
    [InlineData("""{"args":{"content":"x"}}""", "no 'action'")]
    [InlineData("""{"observation":"run","content":"x"}""", "Observations cannot be sent")]
    [InlineData("""{"action":5}""", "'action' must be a string")]
    [InlineData("""{"id":3,"action":"message","args":{"content":"x"}}""", "cannot choose an event 'id'")]
    [InlineData("""{"action":"message","args":"hi"}""", "'args' must be an object")]
    [InlineData("""{"action":"message","args":{}}""", "needs args.content")]
    [InlineData("""{"action":"message","args":{"content":3}}""", "needs args.content")]
    [InlineData("""{"action":"message","args":{"content":"x","colour":"red"}}""", "Unknown argument 'colour' for a 'message' action")]
    [InlineData("""{"action":"message","args":{"content":"x","image_urls":[1]}}""", "image_urls must be a list of strings")]
    [InlineData("""{"action":"message","args":{"content":"x","file_urls":"a"}}""", "file_urls must be a list of strings")]
    [InlineData("""{"action":"message","args":{"content":"x","wait_for_response":"yes"}}""", "wait_for_response must be a boolean")]
    [InlineData("""{"action":"change_agent_state","args":{}}""", "needs args.agent_state")]
    [InlineData("""{"action":"change_agent_state","args":{"agent_state":"finished"}}""", "cannot set the agent state to 'finished'")]
    [InlineData("""{"action":"change_agent_state","args":{"agent_state":"sleepy"}}""", "Unknown agent state 'sleepy'")]
    [InlineData("""{"action":"change_agent_state","args":{"agent_state":"stopped","force":true}}""", "Unknown argument 'force'")]
    [InlineData("""{"action":"run","args":{"command":"ls"}}""", "'run' actions cannot be sent by a client")]
    [InlineData("""{"action":"push","args":{}}""", "Unknown action type 'push'")]
    public void BadPayloads_AreRefused_WithAClearReason(string json, string reason)
    {
        var result = Parse(json);

        Assert.Null(result.Command);
        Assert.Contains(reason, result.Error);
    }
}
