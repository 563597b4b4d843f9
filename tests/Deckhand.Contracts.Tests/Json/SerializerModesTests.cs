using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Tests.Json;

public sealed class SerializerModesTests
{
    private static readonly LlmConfig Llm = new() { Model = "openai/gpt-4o", ApiKey = new SecretString("sk-live-123") };

    [Fact]
    public void Wire_RedactsSecrets_AndWritesNulls()
    {
        var json = JsonSerializer.Serialize(Llm, DeckhandJson.Wire.LlmConfig);
        Assert.Contains("\"api_key\":\"**********\"", json);
        Assert.DoesNotContain("sk-live-123", json);
        Assert.Contains("\"base_url\":null", json);
    }

    [Fact]
    public void Compact_RedactsSecrets_AndOmitsNulls()
    {
        var json = JsonSerializer.Serialize(Llm, DeckhandJson.Compact.LlmConfig);
        Assert.Contains("\"api_key\":\"**********\"", json);
        Assert.DoesNotContain("base_url", json);
    }

    [Fact]
    public void Storage_KeepsSecrets_ForRestart()
    {
        var json = JsonSerializer.Serialize(Llm, DeckhandJson.Storage.LlmConfig);
        Assert.Contains("\"api_key\":\"sk-live-123\"", json);
        var back = JsonSerializer.Deserialize(json, DeckhandJson.Storage.LlmConfig)!;
        Assert.Equal("sk-live-123", back.ApiKey!.Value);
    }

    [Theory]
    [InlineData("\"**********\"")]
    [InlineData("\"  \"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    public void RedactedOrBlankSecretInput_ReadsAsNoSecret(string raw)
    {
        var back = JsonSerializer.Deserialize("{\"model\":\"m\",\"api_key\":" + raw + "}", DeckhandJson.Wire.LlmConfig)!;
        Assert.Null(back.ApiKey);
    }
}
