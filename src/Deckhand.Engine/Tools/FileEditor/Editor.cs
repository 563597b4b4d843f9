using System.Globalization;
using System.Text;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools.FileEditor;

/// <summary>The five file_editor commands. Not thread-safe: <see cref="FileEditorTool"/> calls it under its lock.</summary>
/// <param name="confinement">When the shell is isolated, where the editor may write (and additionally read); null = anywhere.</param>
internal sealed class Editor(string workingDir, EditorConfinement? confinement = null)
{
    private const int SnippetContext = 4;
    private const int SnippetMaxChars = 4_000;
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"];

    private readonly EditHistory _history = new();

    public Task<FileEditorObservation> RunAsync(FileEditorAction action, CancellationToken cancellationToken)
    {
        var path = FullPath(action.Path);
        confinement?.Check(action.Command, path);
        return action.Command switch
        {
            "view" => ViewAsync(action, path, cancellationToken),
            "create" => CreateAsync(action, path, cancellationToken),
            "str_replace" => ReplaceAsync(action, path, cancellationToken),
            "insert" => InsertAsync(action, path, cancellationToken),
            "undo_edit" => UndoAsync(action, path, cancellationToken),
            _ => throw new EditorError($"Unknown command '{action.Command}'."),
        };
    }

    private string FullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new EditorError("`path` is empty; give the absolute path of a file or directory.");
        if (!Path.IsPathFullyQualified(path))
        {
            throw new EditorError($"`path` must be absolute, and '{path}' is not. "
                + $"Relative to the working directory it would be {Path.GetFullPath(Path.Join(workingDir, path))}");
        }
        return Path.GetFullPath(path);
    }

    private async Task<FileEditorObservation> ViewAsync(FileEditorAction action, string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            if (action.ViewRange is not null)
                throw new EditorError($"{action.Path} is a directory; `view_range` only applies to files. Leave it out to list the directory.");
            return Result(action, Listing.Directory(action.Path));
        }
        RequireFile(action.Path, path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (ImageExtensions.Contains(extension))
        {
            var size = new FileInfo(path).Length;
            return Result(action, $"{action.Path} is a binary image ({extension[1..].ToUpperInvariant()}, {size:N0} bytes). "
                + "file_editor shows text only, so it cannot display it.");
        }

        var (file, _) = await TextFile.ReadAsync(path, cancellationToken);
        var text = new LineText(file.Text);
        var lines = text.Lines();
        var about = Describe(file, text);
        if (action.ViewRange is null)
        {
            if (lines.Length == 0)
                return Result(action, $"{action.Path} is empty{about}.");
            var (whole, last) = Listing.Numbered(lines, 1, lines.Length);
            return Result(action, $"{action.Path} ({Lines(lines.Length)}{about}):\n{whole}{CutNote(last, lines.Length, -1)}");
        }

        var (start, end, note) = CheckRange(action.Path, action.ViewRange, lines.Length);
        var (part, shown) = Listing.Numbered(lines, start, end);
        return Result(action, $"{action.Path}, lines {start}-{end} of {lines.Length}{about}:\n{part}{CutNote(shown, end, action.ViewRange[1])}{note}");
    }

    private static (int Start, int End, string Note) CheckRange(string display, IReadOnlyList<int> range, int count)
    {
        if (range.Count != 2)
            throw new EditorError($"`view_range` needs exactly two numbers, [start, end]; it has {range.Count}.");
        if (count == 0)
            throw new EditorError($"{display} is empty, so there are no lines to pick with `view_range`.");
        var (start, end) = (range[0], range[1]);
        if (start < 1 || start > count)
            throw new EditorError($"`view_range` start {start} is outside the file: it must be between 1 and {count}.");
        if (end == -1)
            return (start, count, "");
        if (end < start)
            throw new EditorError($"`view_range` end {end} comes before start {start}; use an end of at least {start}, or -1 for the last line.");
        return end > count
            ? (start, count, $"Note: the file has only {Lines(count)}, so the view stops at line {count}.\n")
            : (start, end, "");
    }

    private static string CutNote(int lastShown, int end, int requestedEnd) => lastShown >= end ? "" :
        $"[Output cut after line {lastShown} to keep it short. See more with view_range [{lastShown + 1}, {(requestedEnd == -1 ? -1 : end)}], "
        + "or find what you need with `grep -n` in the terminal.]\n";

    private async Task<FileEditorObservation> CreateAsync(FileEditorAction action, string path, CancellationToken cancellationToken)
    {
        if (action.FileText is null)
            throw new EditorError("`create` needs `file_text`: the whole content of the new file.");
        if (Directory.Exists(path))
            throw new EditorError($"{action.Path} is an existing directory; `create` makes files only.");
        if (File.Exists(path))
        {
            throw new EditorError($"{action.Path} already exists, and `create` never overwrites a file. "
                + "Change it with `str_replace` or `insert` (view it first), or remove it with the terminal if you really mean to replace it.");
        }

        var bytes = TextFile.New(action.FileText).Encode(action.FileText);
        var parent = Path.GetDirectoryName(path)!;
        var madeParent = !Directory.Exists(parent);
        if (madeParent)
            Directory.CreateDirectory(parent);
        await AtomicFile.WriteAsync(path, bytes, overwrite: false, cancellationToken);
        _history.Record(path, before: null, bytes);

        var text = new LineText(action.FileText);
        var made = madeParent ? $" The directory {parent} did not exist and was made as well." : "";
        return Result(action, $"Created {action.Path} ({Lines(text.LineCount)}, {bytes.Length:N0} bytes).{made}",
            prevExist: false, oldContent: null, newContent: action.FileText);
    }

    private async Task<FileEditorObservation> ReplaceAsync(FileEditorAction action, string path, CancellationToken cancellationToken)
    {
        if (action.OldStr is null)
            throw new EditorError("`str_replace` needs `old_str`: the exact text to replace.");
        if (action.OldStr.Length == 0)
            throw new EditorError("`old_str` is empty; give the exact text to replace (to add text without replacing any, use `insert`).");
        var oldStr = LineText.Normalize(action.OldStr);
        var newStr = LineText.Normalize(action.NewStr ?? "");
        if (oldStr == newStr)
            throw new EditorError("`old_str` and `new_str` are the same, so the edit would change nothing. Put the changed text in `new_str`.");

        var (file, bytes, text) = await LoadAsync(action.Path, path, cancellationToken);
        var found = TextSearch.Occurrences(text.Normalized, oldStr);
        if (found.Count == 0)
        {
            var hint = TextSearch.NearMiss(text, oldStr);
            throw new EditorError($"No change made: `old_str` does not occur in {action.Path} exactly as given. "
                + (hint ?? "It must match character for character, whitespace included; view the file and copy the text from it."));
        }
        if (found.Count > 1)
        {
            throw new EditorError($"No change made: `old_str` occurs {found.Count} times in {action.Path}, starting at lines "
                + $"{TextSearch.ListLines(found.Select(text.LineOf))}. It must be unique: add neighbouring lines to pick one.");
        }

        var start = found[0];
        var end = start + oldStr.Length;
        var ending = text.MostCommonEndingWithin(start, end) ?? text.EndingOf(text.LineOf(start)) ?? text.DominantEnding;
        var original = text.Original;
        var updated = string.Concat(
            original.AsSpan(0, text.ToOriginal(start)), LineText.WithEnding(newStr, ending), original.AsSpan(text.ToOriginal(end)));
        var after = await WriteAsync(path, file, bytes, updated, cancellationToken);

        var firstLine = text.LineOf(start);
        var lastNew = after.LineOf(start + Math.Max(newStr.Length - 1, 0));
        var summary = $"Edited {action.Path}: replaced {Lines(CountLines(oldStr), "line")} starting at line {firstLine}"
            + (newStr.Length == 0 ? " with nothing." : $" with {Lines(CountLines(newStr), "line")}.")
            + EndingNote(ending, newStr);
        return Result(action, Report(action.Path, summary, text.Original, after, firstLine, lastNew),
            prevExist: true, oldContent: text.Original, newContent: updated);
    }

    private async Task<FileEditorObservation> InsertAsync(FileEditorAction action, string path, CancellationToken cancellationToken)
    {
        if (action.InsertLine is not { } line)
            throw new EditorError("`insert` needs `insert_line`: the line after which to insert (0 for the top of the file).");
        if (action.NewStr is null)
            throw new EditorError("`insert` needs `new_str`: the lines to insert.");

        var (file, bytes, text) = await LoadAsync(action.Path, path, cancellationToken);
        var count = text.LineCount;
        if (line < 0 || line > count)
        {
            throw new EditorError($"`insert_line` {line} is outside the file: it must be between 0 and {count} "
                + $"(0 inserts at the top, {count} after the last line).");
        }

        // A final "\n" in new_str ends its last line; it does not add an empty one.
        var body = LineText.Normalize(action.NewStr);
        if (body.EndsWith('\n'))
            body = body[..^1];
        var ending = text.EndingOf(line) ?? text.EndingOf(line + 1) ?? text.DominantEnding;
        var atUnterminatedEnd = line > 0 && text.EndingOf(line) is null;
        var at = line == 0 ? 0 : atUnterminatedEnd ? text.Normalized.Length : text.LineStart(line + 1);
        var block = atUnterminatedEnd ? "\n" + body : body + "\n"; // the file's last-newline state stays as it was
        var original = text.Original;
        var splice = text.ToOriginal(at);
        var updated = string.Concat(original.AsSpan(0, splice), LineText.WithEnding(block, ending), original.AsSpan(splice));
        var after = await WriteAsync(path, file, bytes, updated, cancellationToken);

        var added = CountLines(body + "\n");
        var summary = $"Inserted {Lines(added, "line")} after line {line} of {action.Path}." + EndingNote(ending, block);
        return Result(action, Report(action.Path, summary, text.Original, after, line + 1, line + added),
            prevExist: true, oldContent: text.Original, newContent: updated);
    }

    private async Task<FileEditorObservation> UndoAsync(FileEditorAction action, string path, CancellationToken cancellationToken)
    {
        var entry = _history.Peek(path) ?? throw new EditorError(
            $"There is no edit of {action.Path} to undo: file_editor has not changed it in this conversation "
            + $"(or its last {EditHistory.Depth} edits are already undone).");
        if (Directory.Exists(path))
            throw new EditorError($"{action.Path} is now a directory; there is no file edit to undo there.");

        var current = File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken) : null;
        var changedElsewhere = !EditHistory.Matches(entry, current);
        if (entry.Before is null)
        {
            if (current is not null)
                File.Delete(path);
        }
        else
        {
            await AtomicFile.WriteAsync(path, entry.Before, overwrite: true, cancellationToken);
        }
        _history.Pop(path);

        var oldText = TryDecode(current, path);
        var newText = TryDecode(entry.Before, path);
        var message = new StringBuilder(entry.Before is null
            ? $"Undid the creation of {action.Path}: the file is deleted (directories made for it stay).\n"
            : $"Undid the last edit of {action.Path}; it holds exactly what it held before that edit.\n");
        if (changedElsewhere)
            message.Append("Note: the file had been changed by something other than this tool since that edit; those changes are gone too.\n");
        if (oldText is not null && newText is not null)
            message.Append("\nDiff:\n").Append(UnifiedDiff.Between(action.Path, oldText, newText));
        var left = _history.Peek(path) is null ? "No earlier edit of it is left to undo." : "Earlier edits of it can be undone too.";
        message.Append(left).Append('\n');
        return Result(action, message.ToString(), prevExist: current is not null, oldContent: oldText, newContent: newText);
    }

    private static async Task<(TextFile File, byte[] Bytes, LineText Text)> LoadAsync(string display, string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
            throw new EditorError($"{display} is a directory; only `view` works on directories.");
        RequireFile(display, path);
        var (file, bytes) = await TextFile.ReadAsync(path, cancellationToken);
        return (file, bytes, new LineText(file.Text));
    }

    private async Task<LineText> WriteAsync(string path, TextFile file, byte[] before, string updated, CancellationToken cancellationToken)
    {
        var bytes = file.Encode(updated);
        await AtomicFile.WriteAsync(path, bytes, overwrite: true, cancellationToken);
        _history.Record(path, before, bytes);
        return new LineText(updated);
    }

    private static void RequireFile(string display, string path)
    {
        if (!File.Exists(path))
        {
            throw new EditorError($"{display} does not exist. Check the path (view its directory to see what is there), "
                + "or make the file with `create`.");
        }
    }

    private static string Report(string display, string summary, string before, LineText after, int fromLine, int toLine)
    {
        var report = new StringBuilder(summary).Append("\n\nDiff:\n").Append(UnifiedDiff.Between(display, before, after.Original));
        var lines = after.Lines();
        if (lines.Length == 0)
        {
            report.Append("\nThe file is now empty.\n");
            return report.ToString();
        }
        var first = Math.Clamp(fromLine - SnippetContext, 1, lines.Length);
        var last = Math.Clamp(toLine + SnippetContext, first, lines.Length);
        var (snippet, shown) = Listing.Numbered(lines, first, last, SnippetMaxChars);
        report.Append(CultureInfo.InvariantCulture, $"\nLines {first}-{shown} now:\n").Append(snippet)
            .Append("Check the indentation and that no line is duplicated or lost; edit again if something is off.\n");
        return report.ToString();
    }

    private static string Describe(TextFile file, LineText text)
    {
        var notes = new List<string>();
        if (file.Encoding != FileEncoding.Utf8)
            notes.Add(file.EncodingName);
        if (text.DominantEnding == "\r\n")
            notes.Add("CRLF line endings");
        return notes.Count == 0 ? "" : ", " + string.Join(", ", notes);
    }

    private static string EndingNote(string ending, string inserted) =>
        ending == "\r\n" && inserted.Contains('\n', StringComparison.Ordinal) ? " New line breaks were written as CRLF, matching the file." : "";

    private static string? TryDecode(byte[]? bytes, string path)
    {
        if (bytes is null)
            return null;
        try
        {
            return TextFile.Decode(bytes, path).Text;
        }
        catch (EditorError)
        {
            return null;
        }
    }

    private static int CountLines(string normalized) => new LineText(normalized).LineCount;

    private static string Lines(int count, string noun = "line") => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static FileEditorObservation Result(FileEditorAction action, string text, bool prevExist = true,
        string? oldContent = null, string? newContent = null) => new()
    {
        Command = action.Command,
        Path = action.Path,
        PrevExist = prevExist,
        OldContent = oldContent,
        NewContent = newContent,
        Content = [new TextContent(text)],
    };
}
