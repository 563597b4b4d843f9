using System.Text.Json;
using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Conversations;

namespace Deckhand.AgentServer.Sockets;

/// <summary>Interprets a text frame from an events socket.</summary>
internal static class SocketMessages
{
    public static async Task HandleAsync(string frame, ConversationService service, Guid id, CancellationToken cancellationToken)
    {
        Message? message;
        try
        {
            using var doc = JsonDocument.Parse(frame);
            // Redundant auth frames ({"type":"auth", ...}) are ignored, as OpenHands does.
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var type)
                && type.ValueKind == JsonValueKind.String && type.GetString() == "auth")
                return;
            message = doc.RootElement.Deserialize(DeckhandJson.Wire.Message);
        }
        catch (JsonException ex)
        {
            throw new SocketMessageException("ValidationError", JsonBody.Explain(ex).Msg);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            throw new SocketMessageException("ValidationError", "The message is not valid: a content part is missing its \"type\".");
        }
        if (message is null)
            throw new SocketMessageException("ValidationError", "Expected a message object.");
        if (message.Role != MessageRole.User)
            throw new SocketMessageException("ValidationError", "Only 'user' messages can be sent.");
        var sent = await service.WithAsync(id, async runner =>
        {
            await runner.SendMessageAsync(message, run: true, cancellationToken);
            return message;
        }, cancellationToken);
        if (sent is null)
            throw new SocketMessageException("ConversationNotFound", "The conversation no longer exists.");
    }
}

internal sealed class SocketMessageException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
