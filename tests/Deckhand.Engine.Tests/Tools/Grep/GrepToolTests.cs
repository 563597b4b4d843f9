using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tests.Support;
using Deckhand.Engine.Tools.Grep;

namespace Deckhand.Engine.Tests.Tools.Grep;

public sealed class GrepToolTests : IDisposable
{
    private readonly TempWorkspace _workspace = new(git: true);

    public void Dispose() => _workspace.Dispose();

    private Task<GrepObservation> GrepAsync(string json) =>
        new GrepTool(_workspace.Context).CallAsync<GrepObservation>(_workspace.Context, json);

    [Fact]
    public async Task Regex_FindsFilesNewestFirst_AndShowsMatchingLines()
    {
        var old = _workspace.Write("src/Old.cs", "namespace X;\npublic class OrderService { }\n", age: 20);
        var recent = _workspace.Write("src/New.cs", "// nothing here\n\npublic class UserService\n{\n}\n", age: 1);
        _workspace.Write("src/Other.cs", "public class Helper { }\n");

        var result = await GrepAsync("""{"pattern":"class\\s+\\w+Service"}""");

        Assert.False(result.IsError);
        Assert.Equal([recent, old], result.Matches);
        Assert.False(result.Truncated);
        Assert.Null(result.IncludePattern);
        var text = result.Text();
        Assert.Contains($"{recent}:3: public class UserService", text, StringComparison.Ordinal);
        Assert.Contains($"{old}:2: public class OrderService {{ }}", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf($"{recent}:3", StringComparison.Ordinal) < text.IndexOf($"{old}:2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Include_FiltersByFileName()
    {
        var ts = _workspace.Write("web/a.ts", "TODO: fix\n");
        var tsx = _workspace.Write("web/ui/b.tsx", "// TODO later\n");
        _workspace.Write("web/c.js", "TODO too\n");

        var result = await GrepAsync("""{"pattern":"TODO","include":"*.{ts,tsx}"}""");

        Assert.Equal([ts, tsx], result.Matches.Order(StringComparer.Ordinal));
        Assert.Equal("*.{ts,tsx}", result.IncludePattern);
    }

    [Fact]
    public async Task GitignoredFiles_AreNotSearched()
    {
        _workspace.Write(".gitignore", "dist/\n");
        var src = _workspace.Write("src/app.js", "secretToken\n");
        _workspace.Write("dist/app.min.js", "secretToken\n");

        var result = await GrepAsync("""{"pattern":"secretToken"}""");

        Assert.Equal([src], result.Matches);
    }

    [Fact]
    public async Task BinaryAndHugeFiles_AreSkipped()
    {
        var text = _workspace.Write("notes.txt", "needle\n");
        _workspace.WriteBytes("image.bin", [0x89, 0x50, 0x00, 0x01, .. "needle\n"u8.ToArray()]);
        _workspace.Write("huge.txt", "needle\n" + new string('x', 6 * 1024 * 1024));

        var result = await GrepAsync("""{"pattern":"needle"}""");

        Assert.Equal([text], result.Matches);
    }

    [Fact]
    public async Task PathInPlainDirectory_SearchesOnlyThere()
    {
        using var plain = new TempWorkspace();
        var inside = plain.Write("a/one.txt", "hello\n");
        plain.Write("b/two.txt", "hello\n");

        var result = await new GrepTool(plain.Context).CallAsync<GrepObservation>(plain.Context, $$"""{"pattern":"hel+o","path":"{{plain.Path("a")}}"}""");

        Assert.Equal([inside], result.Matches);
        Assert.Equal(plain.Path("a"), result.SearchPath);
    }

    [Fact]
    public async Task Output_IsBounded_InFilesLinesAndLineLength()
    {
        for (var i = 0; i < 120; i++)
            _workspace.Write($"many/f{i:D3}.txt", string.Concat(Enumerable.Repeat("match here\n", 20)), age: i);
        _workspace.Write("long.txt", new string('a', 5000) + "match" + new string('b', 5000) + "\n", age: 500);

        var result = await GrepAsync("""{"pattern":"match"}""");

        Assert.True(result.Truncated);
        Assert.Equal(100, result.Matches.Count);
        Assert.Equal(_workspace.Path("many/f000.txt"), result.Matches[0]);
        var text = result.Text();
        var lines = text.Split('\n');
        Assert.Equal(50, lines.Count(l => l.Contains(".txt:", StringComparison.Ordinal) && l.EndsWith(": match here", StringComparison.Ordinal)));
        Assert.Equal(10, lines.Count(l => l.StartsWith(_workspace.Path("many/f000.txt") + ":", StringComparison.Ordinal)));
        Assert.Contains("100 newest of 121", text, StringComparison.Ordinal);
        Assert.Contains("Not every matching line is shown", text, StringComparison.Ordinal);
        Assert.True(text.Length < 20_000, $"output was {text.Length} characters");
    }

    [Fact]
    public async Task LongLine_IsClippedAroundTheMatch()
    {
        var file = _workspace.Write("min.js", new string('a', 5000) + "needle" + new string('b', 5000));

        var result = await GrepAsync("""{"pattern":"needle"}""");

        var line = Assert.Single(result.Text().Split('\n'), l => l.StartsWith(file + ":1: ", StringComparison.Ordinal));
        Assert.Contains("needle", line, StringComparison.Ordinal);
        Assert.True(line.Length < file.Length + 220, $"line was {line.Length} characters");
    }

    [Fact]
    public async Task NoMatch_IsNotAnError()
    {
        _workspace.Write("a.txt", "hello\n");

        var result = await GrepAsync("""{"pattern":"absent"}""");

        Assert.False(result.IsError);
        Assert.Empty(result.Matches);
        Assert.Contains("No matches", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingDirectory_IsAnError()
    {
        var result = await GrepAsync($$"""{"pattern":"x","path":"{{_workspace.Path("missing")}}"}""");

        Assert.True(result.IsError);
        Assert.Contains("does not exist", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"pattern":"foo("}""", "not a valid .NET regular expression")]
    [InlineData("""{"pattern":"[a-"}""", "Escape special characters")]
    [InlineData("""{"pattern":""}""", "empty")]
    [InlineData("""{"include":"*.cs"}""", "pattern")]
    [InlineData("""{"pattern":"x","path":"relative/dir"}""", "absolute")]
    public void Parse_BadArguments_Throw(string json, string expected)
    {
        var error = new GrepTool(_workspace.Context).ParseFails(json);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
