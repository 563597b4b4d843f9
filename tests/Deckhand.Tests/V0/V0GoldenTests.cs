using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.V0.Events;

namespace Deckhand.Tests.V0;

/// <summary>
/// The V0 projection of every event kind Deckhand produces matches its golden file (V0/Golden/&lt;case&gt;.json; the file
/// holds <c>null</c> when V0 has no such event). Set DECKHAND_UPDATE_GOLDEN=1 to rewrite the files, then review the diff.
/// </summary>
public sealed class V0GoldenTests
{
    public static TheoryData<string> Cases => V0EventCases.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Projection_MatchesGoldenFile(string name)
    {
        var actual = Project(name);

        if (Environment.GetEnvironmentVariable("DECKHAND_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceGoldenDir(), name + ".json"), Pretty(actual) + "\n");
            return;
        }
        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "V0", "Golden", name + ".json"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)),
            $"V0 JSON differs for {name}.\nExpected: {JsonNode.Parse(expected)?.ToJsonString()}\nActual:   {actual}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Projection_KeepsTheEnvelopeKeyOrder(string name)
    {
        if (JsonNode.Parse(Project(name)) is not JsonObject e)
            return;
        string[] order = ["id", "timestamp", "source", "message", "cause", "action", "observation", "tool_call_metadata", "llm_metrics",
            "args", "timeout", "content", "extras", "success"];
        var keys = e.Select(p => p.Key).ToList();
        Assert.All(keys, k => Assert.Contains(k, order));
        Assert.Equal(keys.OrderBy(k => Array.IndexOf(order, k)), keys);
    }

    [Fact]
    public void Cases_CoverEveryEventActionAndObservationKind()
    {
        var covered = new HashSet<string>();
        foreach (var c in V0EventCases.All.Values.Select(f => f().Subject))
        {
            covered.Add(c.Kind);
            if (c is ActionEvent { Action: { } action })
                covered.Add(action.GetType().Name);
            if (c is ObservationEvent o)
                covered.Add(o.Observation.GetType().Name);
        }
        var kinds = new[] { typeof(Event), typeof(ToolAction), typeof(ToolObservation) }
            .SelectMany(t => t.GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => a.DerivedType.Name));

        Assert.All(kinds, kind => Assert.Contains(kind, covered));
    }

    [Fact]
    public void GoldenFiles_AreExactlyTheCases()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "V0", "Golden"), "*.json")
            .Select(Path.GetFileNameWithoutExtension).Order();

        Assert.Equal(V0EventCases.All.Keys.Order(), files);
    }

    internal static string Project(string name)
    {
        var c = V0EventCases.All[name]();
        var projector = new V0Projector(new V0EventIds(), V0EventCases.Version);
        foreach (var e in c.Before)
            projector.Project(e);
        return projector.Project(c.Subject)?.ToJson() ?? "null";
    }

    private static string Pretty(string json) =>
        JsonNode.Parse(json)?.ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        }) ?? "null";

    private static string SourceGoldenDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Deckhand.Tests", "V0", "Golden");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("tests/Deckhand.Tests/V0/Golden");
    }
}
