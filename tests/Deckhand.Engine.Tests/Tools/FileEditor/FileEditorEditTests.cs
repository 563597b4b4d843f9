namespace Deckhand.Engine.Tests.Tools.FileEditor;

public sealed class FileEditorEditTests : IDisposable
{
    private readonly EditorWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    // ---- paths and files every command checks

    [Fact]
    public async Task RelativePath_IsAnErrorSuggestingTheAbsolutePath()
    {
        var result = await _ws.ViewAsync("src/app.py");

        Assert.True(result.IsError);
        Assert.Contains("must be absolute", result.Text(), StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_ws.Root, "src/app.py"), result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("view")]
    [InlineData("str_replace")]
    [InlineData("insert")]
    public async Task MissingFile_IsAnError(string command)
    {
        var path = _ws.PathOf("nope.txt");

        var result = await _ws.RunAsync(new Dictionary<string, object?>
        {
            ["command"] = command, ["path"] = path, ["old_str"] = "a", ["new_str"] = "b", ["insert_line"] = 0,
        });

        Assert.True(result.IsError);
        Assert.Contains($"{path} does not exist", result.Text(), StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("create")]
    [InlineData("str_replace")]
    [InlineData("insert")]
    public async Task NonViewCommandOnADirectory_IsAnError(string command)
    {
        var result = await _ws.RunAsync(new Dictionary<string, object?>
        {
            ["command"] = command, ["path"] = _ws.Root, ["file_text"] = "x", ["old_str"] = "a", ["new_str"] = "b", ["insert_line"] = 0,
        });

        Assert.True(result.IsError);
        Assert.Contains("directory", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("view")]
    [InlineData("str_replace")]
    [InlineData("insert")]
    public async Task FileOver10Megabytes_IsRefused(string command)
    {
        var path = _ws.PathOf("big.log");
        using (var stream = File.Create(path))
            stream.SetLength(10L * 1024 * 1024 + 1);

        var result = await _ws.RunAsync(new Dictionary<string, object?>
        {
            ["command"] = command, ["path"] = path, ["old_str"] = "a", ["new_str"] = "b", ["insert_line"] = 0,
        });

        Assert.True(result.IsError);
        Assert.Contains("10.0 MB; file_editor handles files up to 10 MB", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("view")]
    [InlineData("str_replace")]
    [InlineData("insert")]
    public async Task BinaryFile_IsRefused(string command)
    {
        var path = _ws.WriteBytes("tool.bin", [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, (byte)'a']);

        var result = await _ws.RunAsync(new Dictionary<string, object?>
        {
            ["command"] = command, ["path"] = path, ["old_str"] = "a", ["new_str"] = "b", ["insert_line"] = 0,
        });

        Assert.True(result.IsError);
        Assert.Contains("looks like a binary file", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BinaryFileWithoutNulBytes_IsRefusedToo()
    {
        var noise = Enumerable.Range(0, 4096).Select(i => (byte)(1 + (i * 7 % 254))).ToArray();
        var path = _ws.WriteBytes("noise.dat", noise);

        var result = await _ws.ViewAsync(path);

        Assert.True(result.IsError);
        Assert.Contains("looks like a binary file", result.Text(), StringComparison.Ordinal);
    }

    // ---- create

    [Fact]
    public async Task Create_WritesTheTextExactly()
    {
        var path = _ws.PathOf("hello.py");
        const string text = "print('hi')  \n\tx = 1\n";

        var result = await _ws.CreateAsync(path, text);

        Assert.False(result.IsError);
        Assert.Equal(text, _ws.Read(path));
        Assert.False(result.PrevExist);
        Assert.Null(result.OldContent);
        Assert.Equal(text, result.NewContent);
        Assert.Equal("create", result.Command);
        Assert.Equal(path, result.Path);
        Assert.Contains($"Created {path} (2 lines", result.Text(), StringComparison.Ordinal);
        Assert.Equal([path], Directory.GetFileSystemEntries(_ws.Root)); // no temp file left behind
    }

    [Fact]
    public async Task Create_OnAnExistingFile_RefusesAndLeavesIt()
    {
        var path = _ws.Write("keep.txt", "precious\n");

        var result = await _ws.CreateAsync(path, "overwritten\n");

        Assert.True(result.IsError);
        Assert.True(result.PrevExist);
        Assert.Contains("already exists", result.Text(), StringComparison.Ordinal);
        Assert.Equal("precious\n", _ws.Read(path));
    }

    [Fact]
    public async Task Create_InAMissingDirectory_MakesTheDirectory()
    {
        var path = _ws.PathOf("new/pkg/mod.py");

        var result = await _ws.CreateAsync(path, "x = 1\n");

        Assert.False(result.IsError);
        Assert.Equal("x = 1\n", _ws.Read(path));
        Assert.Contains("did not exist and was made", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutFileText_IsAnError()
    {
        var path = _ws.PathOf("a.txt");

        var result = await _ws.CreateAsync(path, null);

        Assert.True(result.IsError);
        Assert.Contains("needs `file_text`", result.Text(), StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Create_EmptyText_MakesAnEmptyFile()
    {
        var path = _ws.PathOf("empty.txt");

        var result = await _ws.CreateAsync(path, "");

        Assert.False(result.IsError);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    // ---- str_replace

    [Fact]
    public async Task Replace_UniqueMatch_EditsAndShowsDiffAndNumberedSnippet()
    {
        var lines = Enumerable.Range(1, 20).Select(i => $"line {i}").ToList();
        var path = _ws.Write("a.txt", string.Join("\n", lines) + "\n");

        var result = await _ws.ReplaceAsync(path, "line 10\n", "line ten\nline ten and a half\n");

        Assert.False(result.IsError);
        lines[9] = "line ten\nline ten and a half";
        Assert.Equal(string.Join("\n", lines) + "\n", _ws.Read(path));
        var text = result.Text();
        Assert.Contains($"--- {path}\n+++ {path}\n@@ -7,7 +7,8 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n+line ten and a half\n line 11\n",
            text, StringComparison.Ordinal);
        Assert.Contains("Lines 6-15 now:\n     6\tline 6\n", text, StringComparison.Ordinal);
        Assert.Contains("    11\tline ten and a half\n", text, StringComparison.Ordinal);
        Assert.Contains("    15\tline 14\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("    16\t", text, StringComparison.Ordinal);
        Assert.Equal("str_replace", result.Command);
        Assert.True(result.PrevExist);
        Assert.Equal(string.Join("\n", Enumerable.Range(1, 20).Select(i => $"line {i}")) + "\n", result.OldContent);
        Assert.Equal(_ws.Read(path), result.NewContent);
    }

    [Fact]
    public async Task Replace_NoMatch_IsAnErrorAndChangesNothing()
    {
        var path = _ws.Write("a.txt", "alpha\nbeta\n");

        var result = await _ws.ReplaceAsync(path, "gamma", "delta");

        Assert.True(result.IsError);
        Assert.Contains("does not occur", result.Text(), StringComparison.Ordinal);
        Assert.Contains("character for character", result.Text(), StringComparison.Ordinal);
        Assert.Equal("alpha\nbeta\n", _ws.Read(path));
    }

    [Fact]
    public async Task Replace_MatchOnlyAfterTrimming_HintsWithTheLine()
    {
        var path = _ws.Write("a.txt", "one\ntwo\nthree\n");

        var result = await _ws.ReplaceAsync(path, "  three  \n\n", "3");

        Assert.True(result.IsError);
        Assert.Contains("Without its leading and trailing whitespace, old_str occurs at line(s) 3.", result.Text(), StringComparison.Ordinal);
        Assert.Equal("one\ntwo\nthree\n", _ws.Read(path));
    }

    [Fact]
    public async Task Replace_MatchOnlyIgnoringWhitespace_HintsWithTheLineRanges()
    {
        var path = _ws.Write("a.py", "def f():\n\tif x:\n\t\treturn 1\n\ndef g():\n\tif x:\n\t\treturn 1\n");

        var result = await _ws.ReplaceAsync(path, "    if x:\n        return 1", "    pass");

        Assert.True(result.IsError);
        Assert.Contains("Ignoring differences in whitespace", result.Text(), StringComparison.Ordinal);
        Assert.Contains("line(s) 2-3, 6-7.", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_WithLineNumbersCopiedFromView_SaysSo()
    {
        var path = _ws.Write("a.txt", "alpha\nbeta\n");

        var result = await _ws.ReplaceAsync(path, "     2\tbeta", "gamma");

        Assert.True(result.IsError);
        Assert.Contains("line number copied from `view` output", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_SeveralMatches_ListsTheirLines()
    {
        var path = _ws.Write("a.txt", "x = 1\ny = 2\nx = 1\n\nx = 1\n");

        var result = await _ws.ReplaceAsync(path, "x = 1", "x = 3");

        Assert.True(result.IsError);
        Assert.Contains("occurs 3 times", result.Text(), StringComparison.Ordinal);
        Assert.Contains("starting at lines 1, 3, 5.", result.Text(), StringComparison.Ordinal);
        Assert.Equal("x = 1\ny = 2\nx = 1\n\nx = 1\n", _ws.Read(path));
    }

    [Fact]
    public async Task Replace_OverlappingMatches_CountAsSeveral()
    {
        var path = _ws.Write("a.txt", "aaa\n");

        var result = await _ws.ReplaceAsync(path, "aa", "b");

        Assert.True(result.IsError);
        Assert.Contains("occurs 2 times", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_SameOldAndNew_IsAnError()
    {
        var path = _ws.Write("a.txt", "alpha\n");

        var result = await _ws.ReplaceAsync(path, "alpha", "alpha");

        Assert.True(result.IsError);
        Assert.Contains("are the same", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_EmptyOrMissingOldStr_IsAnError()
    {
        var path = _ws.Write("a.txt", "alpha\n");

        var empty = await _ws.ReplaceAsync(path, "", "x");
        var missing = await _ws.ReplaceAsync(path, null, "x");

        Assert.True(empty.IsError);
        Assert.Contains("`old_str` is empty", empty.Text(), StringComparison.Ordinal);
        Assert.True(missing.IsError);
        Assert.Contains("needs `old_str`", missing.Text(), StringComparison.Ordinal);
        Assert.Equal("alpha\n", _ws.Read(path));
    }

    [Fact]
    public async Task Replace_KeepsNewStrWhitespaceExactly()
    {
        var path = _ws.Write("a.py", "def f():\n    pass\n");
        const string replacement = "    if x:  \n\t\treturn  1 \n\n";

        var result = await _ws.ReplaceAsync(path, "    pass\n", replacement);

        Assert.False(result.IsError);
        Assert.Equal("def f():\n" + replacement, _ws.Read(path));
    }

    [Fact]
    public async Task Replace_WithoutNewStr_DeletesOldStr()
    {
        var path = _ws.Write("a.txt", "keep\ndrop me\nkeep too\n");

        var result = await _ws.ReplaceAsync(path, "drop me\n", null);

        Assert.False(result.IsError);
        Assert.Equal("keep\nkeep too\n", _ws.Read(path));
        Assert.Contains("-drop me\n", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Replace_KeepsTheFilePermissions()
    {
        var path = _ws.Write("run.sh", "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await _ws.ReplaceAsync(path, "hi", "hello");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Replace_ThroughASymlink_EditsTheTargetAndKeepsTheLink()
    {
        var target = _ws.Write("real.txt", "old\n");
        var link = _ws.PathOf("link.txt");
        File.CreateSymbolicLink(link, target);

        var result = await _ws.ReplaceAsync(link, "old", "new");

        Assert.False(result.IsError);
        Assert.Equal("new\n", _ws.Read(target));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    // ---- insert

    [Theory]
    [InlineData(0, "new\na\nb\nc\n")]
    [InlineData(1, "a\nnew\nb\nc\n")]
    [InlineData(3, "a\nb\nc\nnew\n")]
    public async Task Insert_AfterLineN_AddsTheLinesThere(int line, string expected)
    {
        var path = _ws.Write("a.txt", "a\nb\nc\n");

        var result = await _ws.InsertAsync(path, line, "new");

        Assert.False(result.IsError);
        Assert.Equal(expected, _ws.Read(path));
        Assert.Equal("a\nb\nc\n", result.OldContent);
        Assert.Equal(expected, result.NewContent);
    }

    [Fact]
    public async Task Insert_TextEndingInNewline_DoesNotAddABlankLine()
    {
        var path = _ws.Write("a.txt", "a\nb\n");

        await _ws.InsertAsync(path, 1, "x\ny\n");

        Assert.Equal("a\nx\ny\nb\n", _ws.Read(path));
    }

    [Fact]
    public async Task Insert_ShowsDiffAndSnippet()
    {
        var path = _ws.Write("a.txt", string.Concat(Enumerable.Range(1, 12).Select(i => $"l{i}\n")));

        var text = (await _ws.InsertAsync(path, 6, "    indented")).Text();

        Assert.Contains("Inserted 1 line after line 6", text, StringComparison.Ordinal);
        Assert.Contains(" l6\n+    indented\n l7\n", text, StringComparison.Ordinal);
        Assert.Contains("Lines 3-11 now:\n", text, StringComparison.Ordinal);
        Assert.Contains("     7\t    indented\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Insert_IntoAnEmptyFile_Works()
    {
        var path = _ws.Write("empty.txt", "");

        var result = await _ws.InsertAsync(path, 0, "first");

        Assert.False(result.IsError);
        Assert.Equal("first\n", _ws.Read(path));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public async Task Insert_LineOutOfRange_IsAnErrorGivingTheRange(int line)
    {
        var path = _ws.Write("a.txt", "a\nb\nc\n");

        var result = await _ws.InsertAsync(path, line, "x");

        Assert.True(result.IsError);
        Assert.Contains("must be between 0 and 3", result.Text(), StringComparison.Ordinal);
        Assert.Equal("a\nb\nc\n", _ws.Read(path));
    }

    [Fact]
    public async Task Insert_WithoutNewStrOrLine_IsAnError()
    {
        var path = _ws.Write("a.txt", "a\n");

        var noText = await _ws.InsertAsync(path, 1, null);
        var noLine = await _ws.InsertAsync(path, null, "x");

        Assert.True(noText.IsError);
        Assert.Contains("needs `new_str`", noText.Text(), StringComparison.Ordinal);
        Assert.True(noLine.IsError);
        Assert.Contains("needs `insert_line`", noLine.Text(), StringComparison.Ordinal);
        Assert.Equal("a\n", _ws.Read(path));
    }
}
