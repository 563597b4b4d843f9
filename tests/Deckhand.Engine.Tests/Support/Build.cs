using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Events;

namespace Deckhand.Engine.Tests.Support;

/// <summary>Hand-built conversations and events for engine tests.</summary>
internal static class Build
{
    public static ConversationSnapshot Snapshot(Guid? id = null, ExecutionStatus status = ExecutionStatus.Idle, DateTimeOffset? createdAt = null)
    {
        var now = createdAt ?? DateTimeOffset.UtcNow;
        return new ConversationSnapshot(
            new ConversationState
            {
                Id = id ?? Guid.NewGuid(),
                Agent = new AgentSpec { Llm = new LlmConfig { Model = "openai/fake-model", NumRetries = 1 } },
                Workspace = new Workspace { WorkingDir = Path.GetTempPath() },
                ExecutionStatus = status,
            },
            new ConversationMeta { CreatedAt = now, UpdatedAt = now });
    }

    public static MessageEvent UserMessage(string text, string? timestamp = null) => new()
    {
        Source = EventSource.User,
        LlmMessage = new Message { Role = MessageRole.User, Content = [new TextContent(text)] },
        Timestamp = timestamp ?? Event.Now(),
    };

    public static MessageEvent AgentMessage(string text, string? timestamp = null) => new()
    {
        Source = EventSource.Agent,
        LlmMessage = new Message { Role = MessageRole.Assistant, Content = [new TextContent(text)] },
        Timestamp = timestamp ?? Event.Now(),
    };

    public static ActionEvent Think(string thought, string callId = "call_think", string? timestamp = null) => new()
    {
        Thought = [new TextContent(thought)],
        Action = new ThinkAction { Thought = thought },
        ToolName = "think",
        ToolCallId = callId,
        ToolCall = new MessageToolCall { Id = callId, Name = "think", Arguments = $$"""{"thought":"{{thought}}"}""" },
        LlmResponseId = "resp-1",
        Timestamp = timestamp ?? Event.Now(),
    };

    public static ObservationEvent ThinkResult(ActionEvent action, string? timestamp = null) => new()
    {
        ParentId = action.Id,
        ToolName = action.ToolName,
        ToolCallId = action.ToolCallId,
        ActionId = action.Id,
        Observation = new ThinkObservation { Content = [new TextContent("Your thought has been logged.")] },
        Timestamp = timestamp ?? Event.Now(),
    };

    public static SystemPromptEvent SystemPrompt() => new() { SystemPrompt = new TextContent("You are a test agent.") };

    /// <summary>Numbers events from <paramref name="firstSeq"/> (the store serializes them itself: no Utf8Json).</summary>
    public static List<StoredEvent> Numbered(long firstSeq, params Event[] events) =>
        [.. events.Select((e, i) => new StoredEvent(firstSeq + i, e))];

    /// <summary>A naive local timestamp <paramref name="seconds"/> after a fixed base, as OpenHands writes them.</summary>
    public static string At(int seconds) => Event.FormatTimestamp(new DateTime(2025, 3, 1, 12, 0, 0).AddSeconds(seconds));
}
