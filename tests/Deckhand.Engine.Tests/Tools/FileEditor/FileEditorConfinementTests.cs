using Deckhand.Contracts.Tools;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.FileEditor;

namespace Deckhand.Engine.Tests.Tools.FileEditor;

/// <summary>With shell isolation on, file_editor (which runs in the server) cannot be used to get around it.</summary>
public sealed class FileEditorConfinementTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "deckhand-confine-" + Guid.NewGuid().ToString("N"));

    private string Workspace => Path.Combine(_root, "ws");

    private string Data => Path.Combine(_root, "data");

    [Fact]
    public async Task Isolated_EditsOnlyInsideTheWorkspace_AndMayReadSavedTerminalOutput()
    {
        var context = Setup(new PretendSandbox());
        var tool = new FileEditorTool(context);
        Directory.CreateDirectory(context.TerminalOutputDir);
        var saved = Path.Combine(context.TerminalOutputDir, "out.txt");
        await File.WriteAllTextAsync(saved, "full output\n");
        File.CreateSymbolicLink(Path.Combine(Workspace, "escape"), Data);

        Assert.False((await RunAsync(tool, context, new FileEditorAction { Command = "create", Path = Path.Combine(Workspace, "ok.txt"), FileText = "x" })).IsError);
        Assert.True((await RunAsync(tool, context, new FileEditorAction { Command = "create", Path = Path.Combine(Data, "evil.txt"), FileText = "x" })).IsError);
        Assert.True((await RunAsync(tool, context, new FileEditorAction { Command = "create", Path = Path.Combine(Workspace, "escape", "evil2.txt"), FileText = "x" })).IsError);
        Assert.True((await RunAsync(tool, context, new FileEditorAction { Command = "create", Path = Path.Combine(Workspace, "..", "data", "evil3.txt"), FileText = "x" })).IsError);
        Assert.False(File.Exists(Path.Combine(Data, "evil.txt")) || File.Exists(Path.Combine(Data, "evil2.txt")) || File.Exists(Path.Combine(Data, "evil3.txt")));
        var view = await RunAsync(tool, context, new FileEditorAction { Command = "view", Path = saved });
        Assert.False(view.IsError);
        Assert.Contains("full output", view.Text());
        Assert.True((await RunAsync(tool, context, new FileEditorAction { Command = "str_replace", Path = saved, OldStr = "full", NewStr = "cut" })).IsError);
    }

    [Fact]
    public async Task NotIsolated_WorksAnywhereTheServerCan()
    {
        var context = Setup(new NoIsolation());
        var tool = new FileEditorTool(context);
        var outside = Path.Combine(Data, "allowed.txt");
        Assert.False((await RunAsync(tool, context, new FileEditorAction { Command = "create", Path = outside, FileText = "x" })).IsError);
        Assert.True(File.Exists(outside));
    }

    private ToolContext Setup(IShellIsolation isolation)
    {
        Directory.CreateDirectory(Workspace);
        Directory.CreateDirectory(Data);
        return new ToolContext(Guid.NewGuid(), Workspace, Path.Combine(Data, "conv"), isolation);
    }

    private static Task<ToolObservation> RunAsync(FileEditorTool tool, ToolContext context, FileEditorAction action) =>
        tool.ExecuteAsync(action, context, CancellationToken.None);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class PretendSandbox : IShellIsolation
    {
        public string Name => "bubblewrap";

        public ShellLaunch Wrap(ShellLaunch plain, string workspace) => plain;
    }
}
