using System.Text.Json;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>
/// What a start beyond the V1 request carries, for conversations started by the V0 facade: a preassigned conversation
/// id, the catalogue version to keep, instructions for the agent context, an MCP config that replaces the settings' one,
/// and <see cref="ReplayJson"/>. In memory only: a start interrupted by a restart ends in <c>ERROR</c> anyway.
/// </summary>
public sealed record StartExtras
{
    /// <summary>The id the conversation gets in its sandbox and the catalogue; null makes a new one.</summary>
    public Guid? ConversationId { get; init; }

    /// <summary>
    /// Cancelled when the conversation is deleted while it starts: the flow then removes what it made (the agent-server
    /// conversation, its sandbox, any row a webhook wrote) instead of saving the conversation back into the catalogue.
    /// </summary>
    public CancellationToken Abandoned { get; init; }

    /// <summary><c>conversation_version</c> written to the catalogue row ("V1", or "V0" for the V0 facade).</summary>
    public string Version { get; init; } = "V1";

    /// <summary>Added to the agent's system prompt (agent context <c>system_message_suffix</c>), not sent as a message.</summary>
    public string? ConversationInstructions { get; init; }

    /// <summary>Replaces the settings' MCP config for this conversation (V0 <c>mcp_config</c>).</summary>
    public JsonElement? McpConfig { get; init; }

    /// <summary>
    /// The V0 <c>replay_json</c> text, already checked to be a replayable trajectory. The start flow passes it to the
    /// agent-server's create request, which replays its actions before the first LLM call.
    /// </summary>
    public string? ReplayJson { get; init; }
}
