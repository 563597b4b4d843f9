using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>
/// Views, creates and edits text files on absolute paths. One instance per conversation: it holds that conversation's
/// undo history. Calls are serialized, so two edits of one file never interleave.
/// </summary>
public sealed class FileEditorTool(ToolContext context) : ITool
{
    private static readonly string[] Commands = ["view", "create", "str_replace", "insert", "undo_edit"];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Editor _editor = new(context.WorkingDir, context.Isolation.Name == "none"
        ? null
        : new EditorConfinement(context.WorkingDir, [context.TerminalOutputDir]));

    public string Name => "file_editor";

    public ToolDefinition Definition { get; } = new()
    {
        Description = $"""
            View, create and edit text files. Paths must be absolute.

            Commands:
            - `view`: on a file, shows its lines numbered like `cat -n`; for part of a long file give
              `view_range` [start, end], counting from 1 (end -1 means the last line). On a directory, lists what is
              inside, two levels deep, without hidden entries.
            - `create`: makes a new file holding `file_text` (missing parent directories are made too). It never
              overwrites: to change an existing file use `str_replace` or `insert`.
            - `str_replace`: replaces `old_str` with `new_str`. `old_str` must occur exactly once and match the file
              character for character, indentation and blank lines included. Copy it from a recent `view`, without
              the line numbers; if it occurs more than once, take in neighbouring lines until it is unique. Leave out
              `new_str` to delete `old_str`.
            - `insert`: adds `new_str` as new lines after line `insert_line` (0 puts them at the top).
            - `undo_edit`: reverts the last `create`, `str_replace` or `insert` on the file (undoing a `create`
              deletes the file). Up to 10 steps back per file.

            Good to know:
            - Write line breaks as "\n". A file keeps its own line endings (LF or CRLF) and its encoding.
            - Every edit answers with a diff and the edited lines with their numbers. Read them: a wrong indent or a
              duplicated line is cheaper to fix now than after the tests fail.
            - Long output is cut at about 16,000 characters; then use `view_range`, or `grep -n` in the terminal.
            - Binary files and files over 10 MB are refused; use the terminal for them.

            Your working directory is {context.WorkingDir}. Explore the project from there, not from /.
            """,
        ActionType = nameof(FileEditorAction),
        ObservationType = nameof(FileEditorObservation),
        Annotations = new ToolAnnotations
        {
            Title = "file_editor",
            ReadOnlyHint = false,
            DestructiveHint = true,
            IdempotentHint = false,
            OpenWorldHint = false,
        },
        Kind = "FileEditorTool",
        Title = "file_editor",
    };

    public JsonElement Parameters { get; } = ToolSchema.Parse("""
        {"type":"object","properties":{
          "command":{"type":"string","description":"What to do: `view`, `create`, `str_replace`, `insert` or `undo_edit`.","enum":["view","create","str_replace","insert","undo_edit"]},
          "path":{"type":"string","description":"Absolute path of the file or directory, e.g. `/workspace/src/app.py`."},
          "file_text":{"type":"string","description":"For `create`: the whole content of the new file."},
          "old_str":{"type":"string","description":"For `str_replace`: the exact text to replace; it must occur exactly once in the file."},
          "new_str":{"type":"string","description":"For `str_replace`: the text that replaces `old_str` (leave it out to delete `old_str`). For `insert`: the lines to insert (required)."},
          "insert_line":{"type":"integer","description":"For `insert`: the line after which `new_str` goes; 0 inserts at the top."},
          "view_range":{"type":"array","items":{"type":"integer"},"description":"For `view` of a file: [start, end] line numbers, counting from 1, both shown; end -1 means up to the last line. Leave it out to see the whole file."}
        },"required":["command","path"]}
        """);

    public ToolAction Parse(JsonElement arguments)
    {
        var action = ToolArguments.Read(arguments, DeckhandJson.Wire.FileEditorAction);
        if (!Commands.Contains(action.Command, StringComparer.Ordinal))
            throw new ToolArgumentException($"`command` must be one of {string.Join(", ", Commands)}; got '{action.Command}'");
        return action;
    }

    public async Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken)
    {
        var edit = (FileEditorAction)action;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await _editor.RunAsync(edit, cancellationToken);
        }
        catch (EditorError ex)
        {
            return Failure(edit, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failure(edit, $"Could not {edit.Command} {edit.Path}: {ex.Message}");
        }
        finally
        {
            _gate.Release();
        }
    }

    private static FileEditorObservation Failure(FileEditorAction action, string message) => new()
    {
        Command = action.Command,
        Path = action.Path,
        PrevExist = action.Command != "create" || (Path.IsPathFullyQualified(action.Path) && Path.Exists(action.Path)),
        IsError = true,
        Content = [new TextContent(message)],
    };
}
