using System.Text.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.FileEditor;

namespace Deckhand.Engine.Tests.Tools.FileEditor;

public sealed class FileEditorParseTests
{
    private readonly FileEditorTool _tool = new(new ToolContext(Guid.NewGuid(), "/work/project", "/tmp/data", new NoIsolation()));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Parse_AllFields_FillsTheAction()
    {
        var action = Assert.IsType<FileEditorAction>(_tool.Parse(Json("""
            {"command":"insert","path":"/a/b.txt","file_text":"t","old_str":"o","new_str":"n","insert_line":3,"view_range":[2,-1]}
            """)));

        Assert.Equal("insert", action.Command);
        Assert.Equal("/a/b.txt", action.Path);
        Assert.Equal("t", action.FileText);
        Assert.Equal("o", action.OldStr);
        Assert.Equal("n", action.NewStr);
        Assert.Equal(3, action.InsertLine);
        Assert.Equal([2, -1], action.ViewRange);
    }

    [Fact]
    public void Parse_MissingPath_Throws()
    {
        var ex = Assert.Throws<ToolArgumentException>(() => _tool.Parse(Json("""{"command":"view"}""")));
        Assert.Contains("path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingCommand_Throws() =>
        Assert.Throws<ToolArgumentException>(() => _tool.Parse(Json("""{"path":"/a"}""")));

    [Fact]
    public void Parse_UnknownCommand_ThrowsListingTheCommands()
    {
        var ex = Assert.Throws<ToolArgumentException>(() => _tool.Parse(Json("""{"command":"delete","path":"/a"}""")));
        Assert.Contains("undo_edit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'delete'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InsertLineAsString_Throws() =>
        Assert.Throws<ToolArgumentException>(() => _tool.Parse(Json("""{"command":"insert","path":"/a","insert_line":"3"}""")));

    [Fact]
    public void Parse_ViewRangeNotAnArray_Throws() =>
        Assert.Throws<ToolArgumentException>(() => _tool.Parse(Json("""{"command":"view","path":"/a","view_range":5}""")));

    [Fact]
    public void Definition_FollowsTheSpecAndEndsWithTheWorkingDirectory()
    {
        var definition = _tool.Definition;

        Assert.Equal("file_editor", _tool.Name);
        Assert.Equal("FileEditorTool", definition.Kind);
        Assert.Equal("file_editor", definition.Title);
        Assert.Equal("FileEditorAction", definition.ActionType);
        Assert.Equal("FileEditorObservation", definition.ObservationType);
        Assert.Equal(new ToolAnnotations { Title = "file_editor", ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = false, OpenWorldHint = false },
            definition.Annotations);
        Assert.EndsWith("Your working directory is /work/project. Explore the project from there, not from /.", definition.Description.TrimEnd());
    }

    [Fact]
    public void Parameters_HaveTheSpecNamesAndTypes()
    {
        var properties = _tool.Parameters.GetProperty("properties");
        var types = properties.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("type").GetString());

        Assert.Equal(new Dictionary<string, string?>
        {
            ["command"] = "string", ["path"] = "string", ["file_text"] = "string", ["old_str"] = "string",
            ["new_str"] = "string", ["insert_line"] = "integer", ["view_range"] = "array",
        }, types);
        Assert.Equal(["view", "create", "str_replace", "insert", "undo_edit"],
            properties.GetProperty("command").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("integer", properties.GetProperty("view_range").GetProperty("items").GetProperty("type").GetString());
        Assert.Equal(["command", "path"], _tool.Parameters.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Registry_OffersFileEditor()
    {
        var registry = new ToolRegistry();
        var tools = registry.Resolve(["file_editor"], new ToolContext(Guid.NewGuid(), "/w", "/d", new NoIsolation()));

        Assert.Contains("file_editor", registry.UsableNames);
        Assert.IsType<FileEditorTool>(tools[0]);
    }
}
