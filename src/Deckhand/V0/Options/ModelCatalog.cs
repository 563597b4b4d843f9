using Deckhand.Engine.Llm.Pricing;

namespace Deckhand.V0.Options;

/// <summary>
/// The models <c>GET /api/options/models</c> offers: ones Deckhand's price table knows (so their cost is reported), in
/// LiteLLM's <c>provider/model</c> form the web app's model picker splits on, plus the user's configured model.
/// </summary>
public static class ModelCatalog
{
    public static readonly IReadOnlyList<string> Known =
    [
        "openai/gpt-5", "openai/gpt-5-mini", "openai/gpt-5-nano",
        "openai/gpt-4.1", "openai/gpt-4.1-mini", "openai/gpt-4.1-nano",
        "openai/gpt-4o", "openai/gpt-4o-mini",
        "openai/o3", "openai/o3-mini", "openai/o4-mini",
        "anthropic/claude-opus-4-1", "anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-0", "anthropic/claude-haiku-4-5",
        "anthropic/claude-3-7-sonnet-latest", "anthropic/claude-3-5-haiku-latest",
        "deepseek/deepseek-chat", "deepseek/deepseek-reasoner",
    ];

    /// <summary>Sorted, unique; the configured model is included even when the table does not know it.</summary>
    public static List<string> List(string? configured)
    {
        var models = new SortedSet<string>(Known.Where(m => PriceTable.Lookup(m) is not null), StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(configured))
            models.Add(configured.Trim());
        return [.. models];
    }
}
