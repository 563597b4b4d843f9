namespace Deckhand.Engine.Tools;

/// <summary>The optional tools every Deckhand server offers, by their OpenHands registry names.</summary>
internal static class StandardTools
{
    public static void AddTo(ToolRegistry registry)
    {
        _ = registry; // one Register(...) line per tool below
    }
}
