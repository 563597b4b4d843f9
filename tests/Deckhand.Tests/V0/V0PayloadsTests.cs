using System.Text;
using Deckhand.Contracts.Events;
using Deckhand.V0.Events;

namespace Deckhand.Tests.V0;

public sealed class V0PayloadsTests
{
    [Fact]
    public void StatusUpdate_HasTheSpecShape() =>
        Assert.Equal("""{"status_update":true,"type":"info","id":"STATUS$READY","message":""}""",
            Encoding.UTF8.GetString(V0Payloads.StatusUpdate("info", "STATUS$READY", "")));

    [Fact]
    public void TitleUpdate_CarriesTheConversationIdAsMessage() =>
        Assert.Equal("""{"status_update":true,"type":"info","message":"abc123","conversation_title":"Fix the \u0022bug\u0022"}""",
            Encoding.UTF8.GetString(V0Payloads.TitleUpdate("abc123", "Fix the \"bug\"")));

    [Fact]
    public void Error_IsAToastPayload() =>
        Assert.Equal("""{"error":true,"message":"Failed to create agent session: boom"}""",
            Encoding.UTF8.GetString(V0Payloads.Error("Failed to create agent session: boom")));

    [Theory]
    [InlineData("LLMAuthenticationError", "STATUS$ERROR_LLM_AUTHENTICATION")]
    [InlineData("LLMServiceUnavailableError", "STATUS$ERROR_LLM_SERVICE_UNAVAILABLE")]
    [InlineData("LLMRateLimitError", "CHAT_INTERFACE$AGENT_RATE_LIMITED_STOPPED_MESSAGE")]
    [InlineData("MaxIterationsReached", "STATUS$ERROR")]
    public void ConversationErrors_BecomeErrorStatusUpdates(string code, string id)
    {
        var json = Encoding.UTF8.GetString(V0Payloads.StatusUpdate(new ConversationErrorEvent { Code = code, Detail = "why" }));

        Assert.Equal($$"""{"status_update":true,"type":"error","id":"{{id}}","message":"why"}""", json);
    }
}
