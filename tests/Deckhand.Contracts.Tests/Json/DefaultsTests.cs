using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Tests.Json;

/// <summary>Fields missing from input JSON keep their documented defaults (OpenHands clients send sparse objects).</summary>
public sealed class DefaultsTests
{
    [Fact]
    public void AgentSpec_MissingFields_KeepDefaults()
    {
        var agent = JsonSerializer.Deserialize("""{"llm":{"model":"x"}}""", DeckhandJson.Wire.AgentSpec)!;
        Assert.NotNull(agent.Tools);
        Assert.Equal(["FinishTool", "ThinkTool"], agent.IncludeDefaultTools);
        Assert.Equal("Agent", agent.Kind);
        Assert.Equal(1, agent.ToolConcurrencyLimit);
        Assert.Equal(5, agent.Llm.NumRetries);
    }

    [Fact]
    public void StartRequest_MissingFields_KeepDefaults()
    {
        var request = JsonSerializer.Deserialize("""{"workspace":{"working_dir":"/w"},"agent":{"llm":{}}}""", DeckhandJson.Wire.StartConversationRequest)!;
        Assert.Equal(500, request.MaxIterations);
        Assert.NotNull(request.Tags);
        Assert.IsType<NeverConfirm>(request.ConfirmationPolicy);
        Assert.Equal("LocalWorkspace", request.Workspace.Kind);
        Assert.True(request.Autotitle);
    }
}

public sealed class LlmDefaultsTests
{
    [Fact]
    public void LlmConfig_NoRequiredMembers_KeepsDefaults()
    {
        var llm = JsonSerializer.Deserialize("""{"model":"x"}""", DeckhandJson.Wire.LlmConfig)!;
        Assert.Equal(5, llm.NumRetries);
    }
}
