using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Events;
using static Deckhand.Contracts.Tests.Events.GoldenJson;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>
/// Every event kind registered on <see cref="Event"/> serializes to its hand-written golden file (OpenHands' shape)
/// and reads back to the same JSON.
/// </summary>
public sealed class EventGoldenTests
{
    public static TheoryData<string> Cases => EventCases.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compact_MatchesGoldenFile(string name)
    {
        var json = Compact(EventCases.All[name]());

        AssertSameJson(Load(name), json);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_ReadsBack_ToSameTypeAndJson(string name)
    {
        var original = EventCases.All[name]();

        var back = Read(Compact(original));

        Assert.Equal(original.GetType(), back.GetType());
        Assert.Equal(original.Kind, back.Kind);
        Assert.Equal(Id, back.Id[..Id.Length]);
        Assert.Equal(Timestamp, back.Timestamp);
        Assert.Equal(original.Source, back.Source);
        Assert.Equal(original.ParentId, back.ParentId);
        // Records holding lists compare lists by reference, so compare what a client would see.
        AssertSameJson(Compact(original), Compact(back));
        AssertSameJson(Wire(original), Wire(back));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Json_CarriesKindDiscriminator_AndNoSeq(string name)
    {
        var e = EventCases.All[name]();

        foreach (var json in new[] { Compact(e), Wire(e) })
        {
            var node = JsonNode.Parse(json)!.AsObject();
            Assert.Equal(e.GetType().Name, (string?)node["kind"]);
            Assert.DoesNotContain("seq", AllKeys(node));
        }
    }

    [Fact]
    public void Cases_CoverEveryRegisteredKind()
    {
        var registered = typeof(Event).GetCustomAttributes<JsonDerivedTypeAttribute>()
            .Select(a => (string)a.TypeDiscriminator!)
            .Order();
        var concrete = typeof(Event).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Event)) && !t.IsAbstract)
            .Select(t => t.Name)
            .Order();
        var covered = EventCases.All.Values.Select(f => f().Kind).Distinct().Order();

        Assert.Equal(concrete, registered);
        Assert.Equal(registered, covered);
    }

    [Fact]
    public void SimpleEvent_RoundTrips_WithRecordEquality()
    {
        var original = (ServerErrorEvent)EventCases.All["ServerErrorEvent"]();

        Assert.Equal(original, Read<ServerErrorEvent>(Compact(original)));
    }
}
