using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools.Builtins;

/// <summary>A scratchpad: the thought is recorded and nothing else happens. Always available.</summary>
public sealed class ThinkTool : ITool
{
    public string Name => "think";

    public ToolDefinition Definition { get; } = new()
    {
        Description = """
            Write down your reasoning without acting on anything. Useful to weigh several ways of fixing a problem,
            to digest what a command or test run showed, or to plan the next few steps of a longer change.
            The thought is kept in the conversation; nothing is run and nothing changes.
            """,
        ActionType = nameof(ThinkAction),
        ObservationType = nameof(ThinkObservation),
        Annotations = new ToolAnnotations { Title = "think", ReadOnlyHint = true, IdempotentHint = true },
        Kind = "ThinkTool",
        Title = "think",
    };

    public JsonElement Parameters { get; } = ToolSchema.Parse("""
        {"type":"object","properties":{"thought":{"type":"string","description":"What you are thinking through."}},"required":["thought"]}
        """);

    public ToolAction Parse(JsonElement arguments) => ToolArguments.Read(arguments, DeckhandJson.Wire.ThinkAction);

    public Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken) =>
        Task.FromResult<ToolObservation>(new ThinkObservation { Content = [new TextContent("Thought recorded.")] });
}
