using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Tests.Json;

public sealed class SecretSourceTests
{
    private static readonly SecretRegistry Registry = new()
    {
        SecretSources = new Dictionary<string, SecretSource>
        {
            ["API"] = new StaticSecret { Value = new SecretString("static-value-1"), Description = "api key" },
            ["GH"] = new LookupSecret
            {
                Url = "http://127.0.0.1:9/secret",
                Headers = new SecretHeaders(new Dictionary<string, string> { ["X-Access-Token"] = "jws-value-2", ["Accept"] = "text/plain" }),
            },
        },
    };

    [Fact]
    public void Wire_RedactsValuesAndSensitiveHeaders_Storage_KeepsThem()
    {
        var wire = JsonSerializer.Serialize(Registry, DeckhandJson.Wire.SecretRegistry);
        Assert.DoesNotContain("static-value-1", wire);
        Assert.DoesNotContain("jws-value-2", wire);
        Assert.Contains("\"Accept\":\"text/plain\"", wire);
        Assert.Contains("\"kind\":\"LookupSecret\"", wire);

        var stored = JsonSerializer.Serialize(Registry, DeckhandJson.Storage.SecretRegistry);
        var back = JsonSerializer.Deserialize(stored, DeckhandJson.Storage.SecretRegistry)!;
        Assert.Equal("static-value-1", ((StaticSecret)back.SecretSources["API"]).Value!.Value);
        Assert.Equal("jws-value-2", ((LookupSecret)back.SecretSources["GH"]).Headers.Values["X-Access-Token"]);
    }

    [Fact]
    public void RedactedInput_ReadsAsNoValue_AndDropsRedactedSensitiveHeaders()
    {
        var wire = JsonSerializer.Serialize(Registry, DeckhandJson.Wire.SecretRegistry);
        var back = JsonSerializer.Deserialize(wire, DeckhandJson.Wire.SecretRegistry)!;
        Assert.Null(((StaticSecret)back.SecretSources["API"]).Value);
        Assert.Equal(["Accept"], ((LookupSecret)back.SecretSources["GH"]).Headers.Values.Keys);
    }
}
