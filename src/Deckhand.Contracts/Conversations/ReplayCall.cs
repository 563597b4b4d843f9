namespace Deckhand.Contracts.Conversations;

/// <summary>
/// One recorded tool call waiting to be replayed instead of asking the model (Deckhand storage only, in
/// <see cref="ConversationMeta.Replay"/>; never part of a wire model).
/// </summary>
public sealed record ReplayCall
{
    /// <summary>1-based position in the recording; the replayed action's <c>llm_response_id</c> is <c>replay-&lt;index&gt;</c>.</summary>
    public required int Index { get; init; }

    /// <summary>The tool to call, by its name in the agent's tool list (<c>terminal</c>, <c>file_editor</c>, ...).</summary>
    public required string Tool { get; init; }

    /// <summary>The call's arguments as JSON object text, exactly as a model would send them.</summary>
    public required string Arguments { get; init; }

    /// <summary>The recorded action's thought, shown as the replayed action's thought.</summary>
    public string Thought { get; set; } = "";
}
