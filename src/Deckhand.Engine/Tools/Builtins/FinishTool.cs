using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools.Builtins;

/// <summary>Ends the task with a message to the user. Always available.</summary>
public sealed class FinishTool : ITool
{
    public string Name => "finish";

    public ToolDefinition Definition { get; } = new()
    {
        Description = """
            Call this when you are done: the task is complete, or you cannot go further without the user.

            Put in the message what you did and what came of it, anything the user should do next, and, if you
            stopped short, why and what you would need to continue. Ask your open questions here too.
            """,
        ActionType = nameof(FinishAction),
        ObservationType = nameof(FinishObservation),
        Annotations = new ToolAnnotations { Title = "finish", ReadOnlyHint = true, IdempotentHint = true },
        Kind = "FinishTool",
        Title = "finish",
    };

    public JsonElement Parameters { get; } = ToolSchema.Parse("""
        {"type":"object","properties":{"message":{"type":"string","description":"Your final message to the user."}},"required":["message"]}
        """);

    public ToolAction Parse(JsonElement arguments) => ToolArguments.Read(arguments, DeckhandJson.Wire.FinishAction);

    public Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken) =>
        Task.FromResult<ToolObservation>(new FinishObservation { Content = [new TextContent(((FinishAction)action).Message)] });
}
