using System.Text;
using System.Text.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.FileEditor;

namespace Deckhand.Engine.Tests.Tools.FileEditor;

/// <summary>A temp workspace and a file_editor tool working in it; calls go through Parse and ExecuteAsync like the agent's.</summary>
internal sealed class EditorWorkspace : IDisposable
{
    public EditorWorkspace()
    {
        Directory.CreateDirectory(Root);
        Context = new ToolContext(Guid.NewGuid(), Root, Path.Combine(Root, ".data"), new NoIsolation());
        Tool = new FileEditorTool(Context);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"deckhand-editor-{Guid.NewGuid():N}");

    public ToolContext Context { get; }

    public FileEditorTool Tool { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string Write(string relative, string text) => WriteBytes(relative, Encoding.UTF8.GetBytes(text));

    public string WriteBytes(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Read(string path) => Encoding.UTF8.GetString(File.ReadAllBytes(path));

    /// <summary>Runs one call from its JSON arguments (the way a model sends them).</summary>
    public async Task<FileEditorObservation> RunAsync(object arguments)
    {
        var json = JsonSerializer.SerializeToElement(arguments, JsonOptions);
        var action = Tool.Parse(json);
        var result = await Tool.ExecuteAsync(action, Context, TestContext.Current.CancellationToken);
        return Assert.IsType<FileEditorObservation>(result);
    }

    public Task<FileEditorObservation> ViewAsync(string path, int[]? range = null) =>
        RunAsync(new Dictionary<string, object?> { ["command"] = "view", ["path"] = path, ["view_range"] = range });

    public Task<FileEditorObservation> CreateAsync(string path, string? text) =>
        RunAsync(new Dictionary<string, object?> { ["command"] = "create", ["path"] = path, ["file_text"] = text });

    public Task<FileEditorObservation> ReplaceAsync(string path, string? oldStr, string? newStr) =>
        RunAsync(new Dictionary<string, object?> { ["command"] = "str_replace", ["path"] = path, ["old_str"] = oldStr, ["new_str"] = newStr });

    public Task<FileEditorObservation> InsertAsync(string path, int? line, string? newStr) =>
        RunAsync(new Dictionary<string, object?> { ["command"] = "insert", ["path"] = path, ["insert_line"] = line, ["new_str"] = newStr });

    public Task<FileEditorObservation> UndoAsync(string path) =>
        RunAsync(new Dictionary<string, object?> { ["command"] = "undo_edit", ["path"] = path });

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // Nulls are left out, as ToolCalls strips them before Parse.
    private static readonly JsonSerializerOptions JsonOptions = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}
