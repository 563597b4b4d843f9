using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;

namespace Deckhand.Engine.Conversations;

/// <summary>One <c>ConversationStateUpdateEvent</c> per public state field that a change touched (never <c>leaf_event_id</c>).</summary>
internal static class StateUpdates
{
    public static IEnumerable<ConversationStateUpdateEvent> Diff(ConversationState before, ConversationState after)
    {
        var c = DeckhandJson.Compact;
        if (before.ExecutionStatus != after.ExecutionStatus)
            yield return Update("execution_status", JsonSerializer.SerializeToElement(after.ExecutionStatus, c.ExecutionStatus));
        if (!ReferenceEquals(before.Stats, after.Stats))
            yield return Update("stats", JsonSerializer.SerializeToElement(Agent.UsageStats.WithoutLedger(after.Stats), c.ConversationStats));
        if (before.LastUserMessageId != after.LastUserMessageId)
            yield return Update("last_user_message_id", after.LastUserMessageId is null
                ? Null
                : JsonSerializer.SerializeToElement(after.LastUserMessageId, c.String));
        if (!ReferenceEquals(before.Tags, after.Tags))
            yield return Update("tags", JsonSerializer.SerializeToElement(after.Tags, c.IReadOnlyDictionaryStringString));
        if (!ReferenceEquals(before.ConfirmationPolicy, after.ConfirmationPolicy))
            yield return Update("confirmation_policy", JsonSerializer.SerializeToElement(after.ConfirmationPolicy, c.ConfirmationPolicy));
        if (!ReferenceEquals(before.ActivatedKnowledgeSkills, after.ActivatedKnowledgeSkills))
            yield return Update("activated_knowledge_skills", JsonSerializer.SerializeToElement([.. after.ActivatedKnowledgeSkills], c.ListString));
        // Written through the compact context, so the values are redacted like everywhere outside storage.
        if (!ReferenceEquals(before.SecretRegistry, after.SecretRegistry))
            yield return Update("secret_registry", JsonSerializer.SerializeToElement(after.SecretRegistry, c.SecretRegistry));
        if (!ReferenceEquals(before.SecurityAnalyzer, after.SecurityAnalyzer))
            yield return Update("security_analyzer", after.SecurityAnalyzer is null
                ? Null
                : JsonSerializer.SerializeToElement(after.SecurityAnalyzer, c.SecurityAnalyzer));
        if (before.MaxIterations != after.MaxIterations)
            yield return Update("max_iterations", JsonSerializer.SerializeToElement(after.MaxIterations, c.Int32));
    }

    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    private static ConversationStateUpdateEvent Update(string key, JsonElement value) => new() { Key = key, Value = value };
}
