using Microsoft.Extensions.Logging;

namespace Deckhand.Engine.Conversations;

/// <summary>The engine's log lines. They name conversations and error codes, never prompts, tool output or secrets.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(1, LogLevel.Warning, "Recovered conversation {ConversationId}: it was running when the server stopped; closed {OpenActions} open tool call(s), status is now error.")]
    public static partial void Recovered(ILogger logger, Guid conversationId, int openActions);

    [LoggerMessage(2, LogLevel.Warning, "Run of conversation {ConversationId} failed with {Code}.")]
    public static partial void RunFailed(ILogger logger, Guid conversationId, string code, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "Run of conversation {ConversationId} ended: {Status} after {Steps} step(s).")]
    public static partial void RunEnded(ILogger logger, Guid conversationId, string status, int steps);

    [LoggerMessage(4, LogLevel.Debug, "Unloaded {Count} idle conversation(s).")]
    public static partial void Unloaded(ILogger logger, int count);

    [LoggerMessage(5, LogLevel.Warning, "Conversation {ConversationId} is stuck in a loop; its run was stopped.")]
    public static partial void Stuck(ILogger logger, Guid conversationId);
}
