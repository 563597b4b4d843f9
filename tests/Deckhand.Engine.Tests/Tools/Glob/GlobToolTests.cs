using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tests.Support;
using Deckhand.Engine.Tools.Glob;

namespace Deckhand.Engine.Tests.Tools.Glob;

public sealed class GlobToolTests : IDisposable
{
    private readonly TempWorkspace _workspace = new(git: true);

    public void Dispose() => _workspace.Dispose();

    private Task<GlobObservation> GlobAsync(string json) =>
        new GlobTool(_workspace.Context).CallAsync<GlobObservation>(_workspace.Context, json);

    [Fact]
    public async Task DoubleStar_MatchesAtEveryDepth_NewestFirst_AbsolutePaths()
    {
        var top = _workspace.Write("Program.cs", age: 30);
        var deep = _workspace.Write("src/App/Deep/Thing.cs", age: 10);
        var mid = _workspace.Write("src/App/Service.cs", age: 20);
        _workspace.Write("src/App/readme.md", age: 0);

        var result = await GlobAsync("""{"pattern":"**/*.cs"}""");

        Assert.False(result.IsError);
        Assert.Equal([deep, mid, top], result.Files);
        Assert.Equal(_workspace.Root, result.SearchPath);
        Assert.False(result.Truncated);
        Assert.Contains(deep, result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Braces_QuestionMark_AndAnchoredDirectory()
    {
        var ts = _workspace.Write("src/a.ts");
        var tsx = _workspace.Write("src/ui/b.tsx");
        _workspace.Write("src/c.js");
        _workspace.Write("lib/d.ts");
        var v1 = _workspace.Write("docs/v1.md");
        _workspace.Write("docs/v10.md");

        var braces = await GlobAsync("""{"pattern":"src/**/*.{ts,tsx}"}""");
        var question = await GlobAsync("""{"pattern":"docs/v?.md"}""");

        Assert.Equal([ts, tsx], braces.Files.Order(StringComparer.Ordinal));
        Assert.Equal([v1], question.Files);
    }

    [Fact]
    public async Task PatternWithoutSlash_MatchesFileNamesAtAnyDepth()
    {
        var a = _workspace.Write("test_a.py", age: 2);
        var b = _workspace.Write("pkg/tests/test_b.py", age: 1);
        _workspace.Write("pkg/b.py");

        var result = await GlobAsync("""{"pattern":"test_*.py"}""");

        Assert.Equal([b, a], result.Files);
    }

    [Fact]
    public async Task GitignoredFilesAndTheGitFolder_AreSkipped()
    {
        _workspace.Write(".gitignore", "bin/\n*.log\n!keep.log\n/build\n");
        _workspace.Write("src/.gitignore", "generated.cs\n");
        var kept = _workspace.Write("src/App.cs");
        _workspace.Write("src/generated.cs");
        _workspace.Write("src/bin/Debug/App.dll.cs");
        _workspace.Write("build/out.cs");
        var nestedBuild = _workspace.Write("src/build/tool.cs");
        _workspace.Write("trace.log");
        var keep = _workspace.Write("logs/keep.log");

        var cs = await GlobAsync("""{"pattern":"**/*.cs"}""");
        var logs = await GlobAsync("""{"pattern":"**/*.log"}""");
        var all = await GlobAsync("""{"pattern":"**"}""");

        Assert.Equal([kept, nestedBuild], cs.Files.Order(StringComparer.Ordinal));
        Assert.Equal([keep], logs.Files);
        Assert.DoesNotContain(all.Files, f => f.Contains("/.git/", StringComparison.Ordinal));
        Assert.Contains(_workspace.Path(".gitignore"), all.Files);
    }

    [Fact]
    public async Task SearchingASubdirectory_AppliesTheRepositoryRootGitignore()
    {
        _workspace.Write(".gitignore", "src/gen/\n*.tmp\n");
        var kept = _workspace.Write("src/keep.cs");
        _workspace.Write("src/gen/skip.cs");
        _workspace.Write("src/skip.tmp");

        var result = await GlobAsync($$"""{"pattern":"*","path":"{{_workspace.Path("src")}}"}""");

        Assert.Equal([kept], result.Files);
        Assert.Equal(_workspace.Path("src"), result.SearchPath);
    }

    [Fact]
    public async Task MoreThan100Matches_KeepsTheNewest100_AndSaysHowToNarrow()
    {
        for (var i = 0; i < 130; i++)
            _workspace.Write($"many/f{i:D3}.txt", age: i);

        var result = await GlobAsync("""{"pattern":"many/*.txt"}""");

        Assert.True(result.Truncated);
        Assert.Equal(100, result.Files.Count);
        Assert.Equal(_workspace.Path("many/f000.txt"), result.Files[0]);
        Assert.Equal(_workspace.Path("many/f099.txt"), result.Files[99]);
        Assert.Contains("100 newest of 130", result.Text(), StringComparison.Ordinal);
        Assert.Contains("Narrow", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainDirectory_WithoutGit_SkipsDependencyFolders_ButHonoursGitignore()
    {
        using var plain = new TempWorkspace();
        var kept = plain.Write("index.js");
        plain.Write("node_modules/left-pad/index.js");
        plain.Write(".gitignore", "dist/\n");
        plain.Write("dist/index.js");

        var result = await new GlobTool(plain.Context).CallAsync<GlobObservation>(plain.Context, """{"pattern":"**/*.js"}""");

        Assert.Equal([kept], result.Files);
    }

    [Fact]
    public async Task NoMatch_SaysSo()
    {
        _workspace.Write("a.txt");

        var result = await GlobAsync("""{"pattern":"**/*.rs"}""");

        Assert.False(result.IsError);
        Assert.Empty(result.Files);
        Assert.Contains("No files match", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingDirectory_IsAnError()
    {
        var missing = _workspace.Path("nope");

        var result = await GlobAsync($$"""{"pattern":"*","path":"{{missing}}"}""");

        Assert.True(result.IsError);
        Assert.Contains("does not exist", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"pattern":"*.cs","path":"src"}""", "absolute")]
    [InlineData("""{"path":"/tmp"}""", "pattern")]
    [InlineData("""{"pattern":""}""", "empty")]
    [InlineData("""{"pattern":42}""", "'pattern'")]
    public void Parse_BadArguments_Throw(string json, string expected)
    {
        var error = new GlobTool(_workspace.Context).ParseFails(json);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
