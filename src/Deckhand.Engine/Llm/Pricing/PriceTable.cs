using Deckhand.Contracts.Conversations;

namespace Deckhand.Engine.Llm.Pricing;

/// <summary>USD per token: input, cached input (cache read), output, and cache write (Anthropic's cache creation).</summary>
public sealed record ModelPrice(double Input, double CachedInput, double Output, double CacheWrite)
{
    public ModelPrice(double input, double cachedInput, double output) : this(input, cachedInput, output, input)
    {
    }

    public static ModelPrice PerMillion(double input, double cachedInput, double output) => new(input / 1e6, cachedInput / 1e6, output / 1e6);

    /// <summary>Anthropic's list prices: a cache read costs a tenth of input, a (5-minute) cache write 1.25 times input.</summary>
    public static ModelPrice AnthropicPerMillion(double input, double output) =>
        new(input / 1e6, input * 0.1 / 1e6, output / 1e6, input * 1.25 / 1e6);

    /// <summary>
    /// Cost of one call. <paramref name="prompt"/> counts every prompt token, the cached and cache-written ones
    /// included (as OpenAI reports it, and as the Anthropic client sums it).
    /// </summary>
    public double Cost(long prompt, long cached, long completion, long cacheWrite = 0) =>
        Math.Max(0, prompt - cached - cacheWrite) * Input + cached * CachedInput + cacheWrite * CacheWrite + completion * Output;
}

/// <summary>
/// List prices of common models (public list prices; they change, so a config's <c>input_cost_per_token</c> /
/// <c>output_cost_per_token</c> always win). Unknown models cost 0 rather than a guess.
/// </summary>
public static class PriceTable
{
    // Longest prefix wins, so "gpt-4o-mini" is not priced as "gpt-4o".
    private static readonly (string Prefix, ModelPrice Price)[] Known =
    [
        ("gpt-5-nano", ModelPrice.PerMillion(0.05, 0.005, 0.40)),
        ("gpt-5-mini", ModelPrice.PerMillion(0.25, 0.025, 2.00)),
        ("gpt-5", ModelPrice.PerMillion(1.25, 0.125, 10.00)),
        ("gpt-4.1-nano", ModelPrice.PerMillion(0.10, 0.025, 0.40)),
        ("gpt-4.1-mini", ModelPrice.PerMillion(0.40, 0.10, 1.60)),
        ("gpt-4.1", ModelPrice.PerMillion(2.00, 0.50, 8.00)),
        ("gpt-4o-mini", ModelPrice.PerMillion(0.15, 0.075, 0.60)),
        ("gpt-4o", ModelPrice.PerMillion(2.50, 1.25, 10.00)),
        ("o4-mini", ModelPrice.PerMillion(1.10, 0.275, 4.40)),
        ("o3-mini", ModelPrice.PerMillion(1.10, 0.55, 4.40)),
        ("o3", ModelPrice.PerMillion(2.00, 0.50, 8.00)),
        ("claude-opus-4", ModelPrice.AnthropicPerMillion(15.00, 75.00)),
        ("claude-sonnet-4", ModelPrice.AnthropicPerMillion(3.00, 15.00)),
        ("claude-3-7-sonnet", ModelPrice.AnthropicPerMillion(3.00, 15.00)),
        ("claude-3-5-sonnet", ModelPrice.AnthropicPerMillion(3.00, 15.00)),
        ("claude-3-5-haiku", ModelPrice.AnthropicPerMillion(0.80, 4.00)),
        ("claude-haiku-4", ModelPrice.AnthropicPerMillion(1.00, 5.00)),
        ("deepseek-chat", ModelPrice.PerMillion(0.27, 0.07, 1.10)),
        ("deepseek-reasoner", ModelPrice.PerMillion(0.55, 0.14, 2.19)),
    ];

    /// <summary>The price for a config: its own per-token costs when set, else the table, else zero.</summary>
    public static ModelPrice For(LlmConfig config)
    {
        var listed = Lookup(config.Model);
        if (config.InputCostPerToken is null && config.OutputCostPerToken is null)
            return listed ?? new ModelPrice(0, 0, 0);
        var input = config.InputCostPerToken ?? listed?.Input ?? 0;
        // An overridden input price applies to cached and cache-written tokens too: the config names one input price.
        return new ModelPrice(input, config.InputCostPerToken ?? listed?.CachedInput ?? 0, config.OutputCostPerToken ?? listed?.Output ?? 0,
            config.InputCostPerToken ?? listed?.CacheWrite ?? 0);
    }

    public static ModelPrice? Lookup(string model)
    {
        var name = model[(model.LastIndexOf('/') + 1)..].ToLowerInvariant();
        ModelPrice? best = null;
        var bestLength = 0;
        foreach (var (prefix, price) in Known)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal) && prefix.Length > bestLength)
            {
                best = price;
                bestLength = prefix.Length;
            }
        }
        return best;
    }
}
