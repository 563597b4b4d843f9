using System.Text;

namespace Deckhand.Engine.Tests.Tools.FileEditor;

/// <summary>Edits change only what they touch: line endings, BOM, encoding and the final newline stay as they were.</summary>
public sealed class FileEditorByteExactTests : IDisposable
{
    private readonly EditorWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Replace_OnACrlfFile_MatchesLfTextAndWritesCrlf()
    {
        var path = _ws.WriteBytes("win.cs", Utf8("class A\r\n{\r\n    int x;\r\n}\r\n"));

        var result = await _ws.ReplaceAsync(path, "{\n    int x;\n}", "{\n    int x;\n    int y;\n}");

        Assert.False(result.IsError);
        Assert.Equal(Utf8("class A\r\n{\r\n    int x;\r\n    int y;\r\n}\r\n"), File.ReadAllBytes(path));
        Assert.Contains("written as CRLF", result.Text(), StringComparison.Ordinal);
        Assert.Contains("+    int y;\n", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_OnACrlfFile_AcceptsCrlfInOldStrToo()
    {
        var path = _ws.WriteBytes("win.txt", Utf8("a\r\nb\r\nc\r\n"));

        await _ws.ReplaceAsync(path, "a\r\nb", "A\r\nB");

        Assert.Equal(Utf8("A\r\nB\r\nc\r\n"), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Insert_OnACrlfFile_WritesCrlf()
    {
        var path = _ws.WriteBytes("win.txt", Utf8("a\r\nb\r\n"));

        var result = await _ws.InsertAsync(path, 1, "x\ny");

        Assert.False(result.IsError);
        Assert.Equal(Utf8("a\r\nx\r\ny\r\nb\r\n"), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Replace_InAMixedFile_LeavesEveryOtherLineEndingAlone()
    {
        var path = _ws.WriteBytes("mixed.txt", Utf8("lf1\ncrlf1\r\nlf2\ncrlf2\r\ncr-only\rtail\n"));

        var result = await _ws.ReplaceAsync(path, "crlf1\n", "CRLF1\nadded\n");

        Assert.False(result.IsError);
        Assert.Equal(Utf8("lf1\nCRLF1\r\nadded\r\nlf2\ncrlf2\r\ncr-only\rtail\n"), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Insert_InAMixedFile_UsesTheEndingOfTheLineBefore()
    {
        var path = _ws.WriteBytes("mixed.txt", Utf8("lf\ncrlf\r\nlast"));

        await _ws.InsertAsync(path, 1, "after-lf");
        await _ws.InsertAsync(path, 3, "after-crlf");

        Assert.Equal(Utf8("lf\nafter-lf\ncrlf\r\nafter-crlf\r\nlast"), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Edits_KeepAMissingFinalNewline()
    {
        var path = _ws.WriteBytes("no-eol.txt", Utf8("a\nb"));

        await _ws.ReplaceAsync(path, "a", "A");
        await _ws.InsertAsync(path, 2, "c");

        Assert.Equal(Utf8("A\nb\nc"), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Insert_AfterTheLastLineOfACrlfFileWithoutFinalNewline_KeepsItThatWay()
    {
        var path = _ws.WriteBytes("win.txt", Utf8("a\r\nb"));

        await _ws.InsertAsync(path, 2, "c");

        Assert.Equal(Utf8("a\r\nb\r\nc"), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Edits_KeepTheUtf8ByteOrderMark()
    {
        var path = _ws.WriteBytes("bom.txt", [0xEF, 0xBB, 0xBF, .. Utf8("héllo\nwörld\n")]);

        await _ws.ReplaceAsync(path, "héllo", "hello ✓");
        await _ws.InsertAsync(path, 0, "top");

        Assert.Equal([0xEF, 0xBB, 0xBF, .. Utf8("top\nhello ✓\nwörld\n")], File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Edits_KeepALatin1File_Latin1()
    {
        var path = _ws.WriteBytes("legacy.txt", Encoding.Latin1.GetBytes("naïve café\r\nfin\r\n"));

        var result = await _ws.ReplaceAsync(path, "café", "crème brûlée");

        Assert.False(result.IsError);
        Assert.Equal(Encoding.Latin1.GetBytes("naïve crème brûlée\r\nfin\r\n"), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Edit_ALatin1FileCannotHold_IsRefusedAndNothingIsWritten()
    {
        var original = Encoding.Latin1.GetBytes("prix: 5 EUR, très cher\n");
        var path = _ws.WriteBytes("legacy.txt", original);

        var result = await _ws.ReplaceAsync(path, "EUR", "€");

        Assert.True(result.IsError);
        Assert.Contains("Latin-1 (ISO-8859-1) and cannot hold the character '€' (U+20AC)", result.Text(), StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Edits_KeepAUtf16FileWithItsByteOrderMark()
    {
        var path = _ws.WriteBytes("wide.txt", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("one\r\ntwo\r\n")]);

        var result = await _ws.ReplaceAsync(path, "two", "deux");

        Assert.False(result.IsError);
        Assert.Equal([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("one\r\ndeux\r\n")], File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Replace_LeavesEveryByteOutsideTheEditAlone()
    {
        // Trailing spaces, tabs, a lone CR, NBSP, emoji: nothing here may be "cleaned up".
        var before = "a \t\n\u00a0b\r\nc\rd 😀\n";
        var path = _ws.WriteBytes("odd.txt", Utf8(before + "target\n" + before));

        await _ws.ReplaceAsync(path, "target", "TARGET");

        Assert.Equal(Utf8(before + "TARGET\n" + before), File.ReadAllBytes(path));
    }
}
