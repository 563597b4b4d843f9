using System.Text;
using Deckhand.Contracts.Content;

namespace Deckhand.Engine.Tests.Tools.FileEditor;

public sealed class FileEditorViewTests : IDisposable
{
    private readonly EditorWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static string Lines(int count) => string.Concat(Enumerable.Range(1, count).Select(i => $"line {i}\n"));

    [Fact]
    public async Task View_File_NumbersEveryLineCatNStyle()
    {
        var path = _ws.Write("a.py", "def f():\n\treturn 1\n");

        var result = await _ws.ViewAsync(path);

        Assert.False(result.IsError);
        Assert.Equal($"{path} (2 lines):\n     1\tdef f():\n     2\t\treturn 1\n", result.Text());
        Assert.Null(result.OldContent);
        Assert.Null(result.NewContent);
        Assert.True(result.PrevExist);
    }

    [Fact]
    public async Task View_EmptyFile_SaysSo()
    {
        var path = _ws.Write("empty.txt", "");

        var result = await _ws.ViewAsync(path);

        Assert.False(result.IsError);
        Assert.Equal($"{path} is empty.", result.Text());
    }

    [Fact]
    public async Task View_Range_ShowsOnlyThoseLines()
    {
        var path = _ws.Write("a.txt", Lines(10));

        var text = (await _ws.ViewAsync(path, [3, 4])).Text();

        Assert.Equal($"{path}, lines 3-4 of 10:\n     3\tline 3\n     4\tline 4\n", text);
    }

    [Fact]
    public async Task View_RangeEndingInMinusOne_ShowsToTheEnd()
    {
        var path = _ws.Write("a.txt", Lines(10));

        var text = (await _ws.ViewAsync(path, [9, -1])).Text();

        Assert.Equal($"{path}, lines 9-10 of 10:\n     9\tline 9\n    10\tline 10\n", text);
    }

    [Fact]
    public async Task View_RangeEndBeyondTheFile_IsClampedWithANote()
    {
        var path = _ws.Write("a.txt", Lines(5));

        var result = await _ws.ViewAsync(path, [4, 50]);

        Assert.False(result.IsError);
        Assert.Contains("     5\tline 5\n", result.Text(), StringComparison.Ordinal);
        Assert.Contains("only 5 lines, so the view stops at line 5", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 2, "between 1 and 5")]
    [InlineData(6, 7, "between 1 and 5")]
    [InlineData(-1, 2, "between 1 and 5")]
    [InlineData(4, 2, "comes before start 4")]
    [InlineData(2, -2, "comes before start 2")]
    public async Task View_BadRange_IsAnErrorSayingWhy(int start, int end, string expected)
    {
        var path = _ws.Write("a.txt", Lines(5));

        var result = await _ws.ViewAsync(path, [start, end]);

        Assert.True(result.IsError);
        Assert.Contains(expected, result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 1, 2, 3 })]
    public async Task View_RangeWithoutTwoNumbers_IsAnError(int[] range)
    {
        var path = _ws.Write("a.txt", Lines(5));

        var result = await _ws.ViewAsync(path, range);

        Assert.True(result.IsError);
        Assert.Contains("exactly two numbers", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_RangeOnAnEmptyFile_IsAnError()
    {
        var path = _ws.Write("empty.txt", "");

        var result = await _ws.ViewAsync(path, [1, 1]);

        Assert.True(result.IsError);
        Assert.Contains("is empty", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_RangeOnADirectory_IsAnError()
    {
        var result = await _ws.ViewAsync(_ws.Root, [1, 2]);

        Assert.True(result.IsError);
        Assert.Contains("is a directory", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_Directory_ListsTwoLevelsSortedAndCountsHiddenEntries()
    {
        _ws.Write("src/main.py", "");
        _ws.Write("src/deep/inner/too_deep.py", "");
        _ws.Write("src/.cache", "");
        _ws.Write("README.md", "");
        _ws.Write(".git/config", "");
        _ws.Write(".env", "");

        var result = await _ws.ViewAsync(_ws.Root);

        var root = _ws.Root;
        Assert.False(result.IsError);
        Assert.Equal(
            $"Files and directories in {root}/, two levels deep (hidden entries skipped):\n"
            + $"{root}/README.md\n{root}/src/\n{root}/src/deep/\n{root}/src/main.py\n"
            + $"3 hidden entries were skipped; `ls -la {root}` shows them.\n",
            result.Text());
    }

    [Fact]
    public async Task View_LongFile_IsCutWithANotePointingToViewRangeAndGrep()
    {
        var path = _ws.Write("long.txt", Lines(5000));

        var result = await _ws.ViewAsync(path);

        var text = result.Text();
        Assert.False(result.IsError);
        Assert.InRange(text.Length, 15_000, 16_500);
        Assert.Contains("     1\tline 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\tline 5000\n", text, StringComparison.Ordinal);
        Assert.Matches(@"\[Output cut after line \d+ .*view_range \[\d+, -1\].*`grep -n`", text);
    }

    [Fact]
    public async Task View_OneHugeLine_IsCutToo()
    {
        var path = _ws.Write("min.js", new string('x', 100_000));

        var text = (await _ws.ViewAsync(path)).Text();

        Assert.InRange(text.Length, 15_000, 16_500);
        Assert.Contains("[line cut]", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_Image_SaysItIsABinaryImage()
    {
        var path = _ws.WriteBytes("logo.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0]);

        var result = await _ws.ViewAsync(path);

        Assert.False(result.IsError);
        Assert.Contains("binary image (PNG, 12 bytes)", result.Text(), StringComparison.Ordinal);
        Assert.All(result.Content, c => Assert.IsType<TextContent>(c));
    }

    [Fact]
    public async Task View_Latin1File_ShowsTheTextAndNamesTheEncoding()
    {
        var path = _ws.WriteBytes("old.txt", Encoding.Latin1.GetBytes("café\n"));

        var text = (await _ws.ViewAsync(path)).Text();

        Assert.Equal($"{path} (1 line, Latin-1 (ISO-8859-1)):\n     1\tcafé\n", text);
    }

    [Fact]
    public async Task View_CrlfFile_ShowsLinesWithoutCarriageReturns()
    {
        var path = _ws.Write("win.txt", "a\r\nb\r\n");

        var text = (await _ws.ViewAsync(path)).Text();

        Assert.Equal($"{path} (2 lines, CRLF line endings):\n     1\ta\n     2\tb\n", text);
    }
}
