using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Llm.Pricing;

namespace Deckhand.Engine.Tests.Llm;

public sealed class PriceTableTests
{
    [Theory]
    [InlineData("openai/gpt-4o", 2.50)]
    [InlineData("gpt-4o-mini-2024-07-18", 0.15)]
    [InlineData("openrouter/openai/gpt-4.1-mini", 0.40)]
    [InlineData("anthropic/claude-sonnet-4-5", 3.00)]
    public void KnownModels_UseTheLongestMatchingListPrice(string model, double inputPerMillion) =>
        Assert.Equal(inputPerMillion, PriceTable.Lookup(model)!.Input * 1e6, 6);

    [Fact]
    public void UnknownModel_CostsNothing_RatherThanAGuess()
    {
        Assert.Null(PriceTable.Lookup("ollama/qwen3:8b"));
        Assert.Equal(0, PriceTable.For(new LlmConfig { Model = "ollama/qwen3:8b" }).Cost(1000, 0, 1000));
    }

    [Fact]
    public void Cost_ChargesCachedTokensAtTheCachedRate()
    {
        var price = ModelPrice.PerMillion(2.00, 0.50, 8.00);
        // 1M prompt tokens of which 400k cached, 100k completion: 0.6*2 + 0.4*0.5 + 0.1*8 = 2.2
        Assert.Equal(2.2, price.Cost(1_000_000, 400_000, 100_000), 9);
    }

    [Fact]
    public void ConfigOverrides_WinOverTheTable()
    {
        var price = PriceTable.For(new LlmConfig { Model = "openai/gpt-4o", InputCostPerToken = 1e-6, OutputCostPerToken = 2e-6 });
        Assert.Equal(1e-6, price.Input);
        Assert.Equal(2e-6, price.Output);
        Assert.Equal(3e-6, price.Cost(1, 0, 1), 12);
    }

    [Fact]
    public void Anthropic_CacheWritesCostOneAndAQuarterInput_CacheReadsATenth()
    {
        var price = PriceTable.Lookup("anthropic/claude-sonnet-4-5")!;
        Assert.Equal(3.75, price.CacheWrite * 1e6, 9);
        Assert.Equal(0.30, price.CachedInput * 1e6, 9);
        // 1M prompt tokens: 200k read from the cache, 300k written to it, 500k plain; 100k out.
        Assert.Equal(0.5 * 3 + 0.2 * 0.3 + 0.3 * 3.75 + 0.1 * 15, price.Cost(1_000_000, 200_000, 100_000, cacheWrite: 300_000), 9);
    }

    [Theory]
    [InlineData("anthropic/claude-sonnet-4-5", null, null, 200_000)]
    [InlineData("anthropic/claude-sonnet-4-5", null, 8_000, 192_000)]
    [InlineData("openai/gpt-4o-mini", 50_000, 8_000, 50_000)]
    [InlineData("ollama/qwen3:8b", null, null, null)]
    public void InputLimit_IsMaxInputTokens_ElseTheWindowLessTheReply(string model, int? maxInput, int? maxOutput, int? expected) =>
        Assert.Equal(expected, Deckhand.Engine.Llm.ModelCapabilities.InputLimit(
            new LlmConfig { Model = model, MaxInputTokens = maxInput, MaxOutputTokens = maxOutput }));
}
