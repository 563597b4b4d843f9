using System.Text;
using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools.TaskTracker;

/// <summary>
/// The agent's to-do list for the conversation. <c>plan</c> replaces the whole list and saves it as
/// <c>TASKS.json</c> (an array of <c>{title, notes, status}</c>, as OpenHands writes it) in the conversation's
/// persistence folder, so the list survives a server restart; <c>view</c> reads it back.
/// </summary>
public sealed class TaskTrackerTool(ToolContext context) : ITool
{
    internal const string FileName = "TASKS.json";

    private static readonly string[] Statuses = ["todo", "in_progress", "done"];

    private readonly string _dir = context.PersistenceDir;

    public string Name => "task_tracker";

    public ToolDefinition Definition { get; } = new()
    {
        Description = """
            Keep a task list for work with several steps, and keep it current as you go.

            `view` shows the list. `plan` replaces it: always send the complete list, every task with its status,
            not only the ones that changed. Statuses: `todo`, `in_progress` (one task at a time), `done` (only when
            it is finished and checked). Add tasks you discover along the way; put details the next step needs
            (file names, findings, what remains) in `notes`.

            Worth it for changes across several files, a list of requested items, or anything you might lose track
            of; skip it for a single quick step. The list is kept with the conversation.
            """,
        ActionType = nameof(TaskTrackerAction),
        ObservationType = nameof(TaskTrackerObservation),
        Annotations = new ToolAnnotations
        {
            Title = "task_tracker", ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = false,
        },
        Kind = "TaskTrackerTool",
        Title = "task_tracker",
    };

    public JsonElement Parameters { get; } = ToolSchema.Parse("""
        {"type":"object","properties":{
          "command":{"type":"string","description":"`view` to show the current task list; `plan` to replace it with task_list. View before you change it.","enum":["view","plan"]},
          "task_list":{"type":"array","description":"For `plan`: the complete new task list, in order.","items":{"type":"object","properties":{
            "title":{"type":"string","description":"What the task is, in a few words."},
            "notes":{"type":"string","description":"Details, findings or what remains to do."},
            "status":{"type":"string","description":"todo, in_progress or done.","enum":["todo","in_progress","done"]}},"required":["title"]}}}}
        """);

    public ToolAction Parse(JsonElement arguments)
    {
        var list = default(JsonElement);
        if (arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty("task_list", out list))
            ValidateList(list);
        var action = ToolArguments.Read(arguments, DeckhandJson.Wire.TaskTrackerAction);
        switch (action.Command)
        {
            case "view":
                return action;
            case "plan" when list.ValueKind != JsonValueKind.Array:
                throw new ToolArgumentException("`plan` needs task_list: the complete list of tasks, each with a title and a status.");
            case "plan":
                action.TaskList = [.. action.TaskList.Select(t => t with { Notes = t.Notes ?? "", Status = t.Status ?? "todo" })];
                return action;
            default:
                throw new ToolArgumentException($"Unknown command '{action.Command}'. Use `view` or `plan`.");
        }
    }

    private static void ValidateList(JsonElement list)
    {
        if (list.ValueKind == JsonValueKind.Null)
            return;
        if (list.ValueKind != JsonValueKind.Array)
            throw new ToolArgumentException("task_list must be an array of tasks such as {\"title\": \"Write tests\", \"status\": \"todo\"}.");
        var number = 0;
        foreach (var item in list.EnumerateArray())
        {
            number++;
            if (item.ValueKind != JsonValueKind.Object)
                throw new ToolArgumentException($"Task {number} must be an object with title, notes and status.");
            if (!item.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(title.GetString()))
                throw new ToolArgumentException($"Task {number} has no title. Every task needs a short title.");
            if (item.TryGetProperty("notes", out var notes) && notes.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                throw new ToolArgumentException($"Task {number} ('{title.GetString()}'): notes must be a string.");
            if (item.TryGetProperty("status", out var status) && status.ValueKind != JsonValueKind.Null
                && (status.ValueKind != JsonValueKind.String || !Statuses.Contains(status.GetString())))
            {
                throw new ToolArgumentException(
                    $"Task {number} ('{title.GetString()}') has status {status.GetRawText()}; use one of: todo, in_progress, done.");
            }
        }
    }

    public async Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken)
    {
        var task = (TaskTrackerAction)action;
        var path = Path.Combine(_dir, FileName);
        if (task.Command == "plan")
        {
            Directory.CreateDirectory(_dir);
            var temp = Path.Combine(_dir, $".{FileName}.{Guid.NewGuid():N}.tmp");
            await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(task.TaskList, DeckhandJson.Storage.IReadOnlyListTaskItem), cancellationToken);
            File.Move(temp, path, overwrite: true);
            var done = task.TaskList.Count(t => t.Status == "done");
            var header = $"Task list saved: {task.TaskList.Count} task(s), {done} done.";
            return Observation("plan", task.TaskList, task.TaskList.Count == 0 ? header : header + "\n\n" + Render(task.TaskList));
        }

        IReadOnlyList<TaskItem>? saved = null;
        if (File.Exists(path))
        {
            try
            {
                await using var stream = File.OpenRead(path);
                saved = await JsonSerializer.DeserializeAsync(stream, DeckhandJson.Storage.IReadOnlyListTaskItem, cancellationToken);
            }
            catch (JsonException)
            {
                var error = Observation("view", [], $"The saved task list ({path}) could not be read. Use `plan` to write a new one.");
                error.IsError = true;
                return error;
            }
        }
        if (saved is not { Count: > 0 })
            return Observation("view", [], "There is no task list yet. Create one with command `plan` and the full task_list.");
        return Observation("view", saved, Render(saved));
    }

    private static TaskTrackerObservation Observation(string command, IReadOnlyList<TaskItem> list, string text) =>
        new() { Command = command, TaskList = list, Content = [new TextContent(text)] };

    /// <summary>One numbered line per task with a status mark, notes indented beneath.</summary>
    internal static string Render(IReadOnlyList<TaskItem> tasks)
    {
        var text = new StringBuilder($"Tasks ({tasks.Count(t => t.Status == "done")}/{tasks.Count} done):\n");
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var mark = task.Status switch { "done" => "[x]", "in_progress" => "[>]", _ => "[ ]" };
            var label = task.Status switch { "done" => " (done)", "in_progress" => " (in progress)", _ => "" };
            text.Append($"{i + 1}. {mark} {task.Title}{label}\n");
            if (!string.IsNullOrWhiteSpace(task.Notes))
            {
                foreach (var line in task.Notes.Trim().Split('\n'))
                    text.Append("     ").Append(line.TrimEnd()).Append('\n');
            }
        }
        return text.ToString().TrimEnd('\n');
    }
}
