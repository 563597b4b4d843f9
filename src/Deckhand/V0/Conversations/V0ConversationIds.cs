namespace Deckhand.V0.Conversations;

/// <summary>The <c>{conversation_id}</c> checks of V0 spec §1.3 (400 details), then the id as a UUID (32-hex or dashed).</summary>
public static class V0ConversationIds
{
    /// <summary>The 400 detail for a bad id, or null when it passes.</summary>
    public static string? Problem(string id)
    {
        if (id.Length > 100)
            return "Conversation ID is too long";
        if (id.Contains('\0'))
            return "Conversation ID contains invalid characters";
        if (id.Contains("..", StringComparison.Ordinal) || id.Contains('/') || id.Contains('\\'))
            return "Conversation ID contains invalid path characters";
        if (id.Any(c => c < 0x20))
            return "Conversation ID contains control characters";
        return null;
    }

    /// <summary>The UUID an id names; false for ids that pass the checks but are no UUID (unknown conversations).</summary>
    public static bool TryParse(string id, out Guid value) =>
        Guid.TryParseExact(id, "N", out value) || Guid.TryParseExact(id, "D", out value);
}
