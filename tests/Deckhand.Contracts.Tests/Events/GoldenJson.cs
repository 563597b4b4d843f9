using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>Reads golden files and compares JSON structurally: key order is irrelevant to OpenHands clients.</summary>
internal static class GoldenJson
{
    public const string Id = "0d4f3c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
    public const string ParentId = "a11c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
    public const string Timestamp = "2026-08-22T18:34:55.001122";

    public static string Load(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Events", "Golden", name + ".json"));

    public static string Compact(Event e) => JsonSerializer.Serialize(e, DeckhandJson.Compact.Event);

    public static string Wire(Event e) => JsonSerializer.Serialize(e, DeckhandJson.Wire.Event);

    public static Event Read(string json) => JsonSerializer.Deserialize(json, DeckhandJson.Wire.Event)!;

    public static T Read<T>(string json) where T : Event => Assert.IsType<T>(Read(json));

    public static void AssertSameJson(string expected, string actual)
    {
        var e = JsonNode.Parse(expected);
        var a = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(e, a),
            $"JSON differs.\nExpected: {e?.ToJsonString()}\nActual:   {a?.ToJsonString()}");
    }

    /// <summary>Every key anywhere in the document (depth-first), to check that no Deckhand-only key leaks.</summary>
    public static IEnumerable<string> AllKeys(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => AllKeys(p.Value).Prepend(p.Key)),
        JsonArray a => a.SelectMany(AllKeys),
        _ => [],
    };
}
