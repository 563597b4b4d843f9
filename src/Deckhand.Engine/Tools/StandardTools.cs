namespace Deckhand.Engine.Tools;

/// <summary>The optional tools every Deckhand server offers, by their OpenHands registry names.</summary>
internal static class StandardTools
{
    public static void AddTo(ToolRegistry registry)
    {
        registry.Register("terminal", context => new Terminal.TerminalTool(context));
    }
}
