namespace Deckhand.Contracts.Content;

public static class ContentText
{
    public static string Join(IEnumerable<ContentItem> items) =>
        string.Join("\n", items.OfType<TextContent>().Select(t => t.Text));
}
