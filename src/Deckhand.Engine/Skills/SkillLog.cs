using Microsoft.Extensions.Logging;

namespace Deckhand.Engine.Skills;

internal static partial class SkillLog
{
    [LoggerMessage(20, LogLevel.Warning, "Conversation {ConversationId}: skipped the skill at {Source}: {Error}")]
    public static partial void Invalid(ILogger logger, Guid conversationId, string source, string error);
}
