using System.Text.Json.Nodes;
using Deckhand.Contracts.Events;
using static Deckhand.Contracts.Tests.Events.GoldenJson;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>Wire (HTTP responses) writes nulls; Compact (WebSocket, search) omits them; both carry the same values.</summary>
public sealed class WireVsCompactTests
{
    public static TheoryData<string> Cases => EventCases.Names;

    [Fact]
    public void Wire_WritesNullParentId_CompactOmitsIt()
    {
        var e = new PauseEvent { Id = Id, Timestamp = Timestamp };

        AssertSameJson($$"""{"id":"{{Id}}","timestamp":"{{Timestamp}}","source":"user","parent_id":null,"kind":"PauseEvent"}""", Wire(e));
        AssertSameJson($$"""{"id":"{{Id}}","timestamp":"{{Timestamp}}","source":"user","kind":"PauseEvent"}""", Compact(e));
    }

    [Fact]
    public void Wire_NullAction_WritesEveryOptionalFieldAsNull()
    {
        var wire = JsonNode.Parse(Wire(EventCases.All["ActionEvent_NullAction"]()))!.AsObject();

        foreach (var key in new[] { "parent_id", "reasoning_content", "responses_reasoning_item", "action", "critic_result", "summary" })
        {
            Assert.True(wire.ContainsKey(key), key);
            Assert.Null(wire[key]);
        }
    }

    [Fact]
    public void Wire_MessageEvent_WritesNullMessageFields()
    {
        var wire = JsonNode.Parse(Wire(EventCases.All["MessageEvent"]()))!.AsObject();
        var message = wire["llm_message"]!.AsObject();

        foreach (var key in new[] { "tool_calls", "tool_call_id", "name", "reasoning_content", "responses_reasoning_item" })
        {
            Assert.True(message.ContainsKey(key), key);
            Assert.Null(message[key]);
        }
        Assert.True(wire.ContainsKey("llm_response_id"));
        Assert.True(wire.ContainsKey("sender"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compact_IsWire_WithoutNulls(string name)
    {
        var e = EventCases.All[name]();

        var wire = JsonNode.Parse(Wire(e));
        var compact = JsonNode.Parse(Compact(e));

        Assert.True(JsonNode.DeepEquals(WithoutNulls(wire), compact), name);
        Assert.DoesNotContain(Nulls(compact), _ => true);
    }

    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                {
                    if (value is not null)
                        copy[key] = WithoutNulls(value);
                }
                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(WithoutNulls)]);
            default:
                return node?.DeepClone();
        }
    }

    private static IEnumerable<string> Nulls(JsonNode? node) => node switch
    {
        JsonObject o => o.Where(p => p.Value is null).Select(p => p.Key).Concat(o.SelectMany(p => Nulls(p.Value))),
        JsonArray a => a.SelectMany(Nulls),
        _ => [],
    };
}
