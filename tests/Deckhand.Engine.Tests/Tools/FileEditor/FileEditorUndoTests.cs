using System.Text;

namespace Deckhand.Engine.Tests.Tools.FileEditor;

public sealed class FileEditorUndoTests : IDisposable
{
    private readonly EditorWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task Undo_AfterReplace_RestoresTheExactBytes()
    {
        byte[] original = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("a\r\nb\nc")];
        var path = _ws.WriteBytes("a.txt", original);
        await _ws.ReplaceAsync(path, "b", "B\nB2");

        var result = await _ws.UndoAsync(path);

        Assert.False(result.IsError);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal("undo_edit", result.Command);
        Assert.Contains("Undid the last edit", result.Text(), StringComparison.Ordinal);
        Assert.Contains("-B\n-B2\n+b\n", result.Text(), StringComparison.Ordinal);
        Assert.Equal("a\r\nB\nB2\nc", result.OldContent); // the edited line ended in LF, so its new lines do too
        Assert.Equal("a\r\nb\nc", result.NewContent);
    }

    [Fact]
    public async Task Undo_AfterInsert_RestoresTheExactBytes()
    {
        var original = Encoding.Latin1.GetBytes("é\r\nfin");
        var path = _ws.WriteBytes("a.txt", original);
        await _ws.InsertAsync(path, 2, "more");

        await _ws.UndoAsync(path);

        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Undo_AfterCreate_DeletesTheFile()
    {
        var path = _ws.PathOf("made.txt");
        await _ws.CreateAsync(path, "x\n");

        var result = await _ws.UndoAsync(path);

        Assert.False(result.IsError);
        Assert.False(File.Exists(path));
        Assert.Contains("the file is deleted", result.Text(), StringComparison.Ordinal);
        Assert.Equal("x\n", result.OldContent);
        Assert.Null(result.NewContent);
    }

    [Fact]
    public async Task Undo_StepsBackThroughSeveralEditsInOrder()
    {
        var path = _ws.PathOf("steps.txt");
        await _ws.CreateAsync(path, "v1\n");
        await _ws.ReplaceAsync(path, "v1", "v2");
        await _ws.ReplaceAsync(path, "v2", "v3");

        await _ws.UndoAsync(path);
        Assert.Equal("v2\n", _ws.Read(path));
        await _ws.UndoAsync(path);
        Assert.Equal("v1\n", _ws.Read(path));
        await _ws.UndoAsync(path);
        Assert.False(File.Exists(path));
        Assert.True((await _ws.UndoAsync(path)).IsError);
    }

    [Fact]
    public async Task Undo_KeepsOnlyTheLastTenEditsPerFile()
    {
        var path = _ws.Write("count.txt", "0\n");
        for (var i = 0; i < 11; i++)
            Assert.False((await _ws.ReplaceAsync(path, $"{i}\n", $"{i + 1}\n")).IsError);

        for (var i = 0; i < 10; i++)
            Assert.False((await _ws.UndoAsync(path)).IsError);

        Assert.Equal("1\n", _ws.Read(path));
        var eleventh = await _ws.UndoAsync(path);
        Assert.True(eleventh.IsError);
        Assert.Equal("1\n", _ws.Read(path));
    }

    [Fact]
    public async Task Undo_WithoutHistory_IsAnError()
    {
        var path = _ws.Write("a.txt", "a\n");

        var result = await _ws.UndoAsync(path);

        Assert.True(result.IsError);
        Assert.Contains("no edit of", result.Text(), StringComparison.Ordinal);
        Assert.Equal("a\n", _ws.Read(path));
    }

    [Fact]
    public async Task Undo_AfterTheFileChangedElsewhere_RestoresAndSaysSo()
    {
        var path = _ws.Write("a.txt", "a\n");
        await _ws.ReplaceAsync(path, "a", "b");
        File.WriteAllText(path, "changed by the terminal\n");

        var result = await _ws.UndoAsync(path);

        Assert.Equal("a\n", _ws.Read(path));
        Assert.Contains("changed by something other than this tool", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undo_FailedEdits_LeaveNoHistory()
    {
        var path = _ws.Write("a.txt", "a\na\n");
        await _ws.ReplaceAsync(path, "a", "b"); // two matches: refused

        Assert.True((await _ws.UndoAsync(path)).IsError);
    }

    [Fact]
    public async Task Undo_IsPerConversation()
    {
        var path = _ws.Write("a.txt", "a\n");
        await _ws.ReplaceAsync(path, "a", "b");
        var other = new Deckhand.Engine.Tools.FileEditor.FileEditorTool(_ws.Context);

        var result = await other.ExecuteAsync(
            new Contracts.Tools.FileEditorAction { Command = "undo_edit", Path = path }, _ws.Context, TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Equal("b\n", _ws.Read(path));
    }
}
