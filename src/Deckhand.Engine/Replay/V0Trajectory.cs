using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Llm;

namespace Deckhand.Engine.Replay;

/// <summary>A recorded V0 trajectory read for replay: the message that starts it and the tool calls to replay.</summary>
/// <param name="InitialMessage">The recording's first user message; it starts the replayed conversation.</param>
/// <param name="Calls">The recorded agent actions as tool calls of Deckhand's tools, in order.</param>
/// <param name="Skipped">Recorded actions that are not replayed, each with why (for a warning in the log).</param>
public sealed record V0Replay(Message InitialMessage, IReadOnlyList<ReplayCall> Calls, IReadOnlyList<string> Skipped);

/// <summary>
/// Reads a V0 <c>replay_json</c> (spec v0-app-server §5.4: the JSON list of event dicts that V0's <c>/trajectory</c>
/// returns) and maps each recorded agent action to a call of our tools: <c>run</c> → <c>terminal</c>; <c>write</c>,
/// <c>edit</c>, <c>read</c> → <c>file_editor</c>; <c>think</c>, <c>finish</c>, <c>task_tracking</c> → their tools;
/// <c>call_tool_mcp</c> → the MCP tool of that name. Environment events, observations, messages after the first and
/// bookkeeping actions are left out; actions without a Deckhand tool (<c>browse</c>, <c>run_ipython</c>, ...) are
/// skipped and reported. Replay ends at <c>finish</c>: it is replayed (the run ends finished, as in V0) and anything
/// recorded after it is skipped.
/// </summary>
public static class V0Trajectory
{
    /// <summary>V0's sandbox root: recorded absolute paths under it are moved to the conversation's working directory.</summary>
    public const string V0WorkspaceRoot = "/workspace";

    /// <summary>Actions V0 records for its own bookkeeping; nothing to replay and nothing to warn about.</summary>
    private static readonly HashSet<string> Bookkeeping =
        ["system", "recall", "change_agent_state", "condensation", "condensation_request", "null", "loop_recovery"];

    /// <summary>
    /// Parses <paramref name="json"/>. Paths are mapped against <paramref name="workingDir"/> (the conversation's
    /// workspace). Returns false with a message for the user when the text is not a replayable trajectory: not JSON,
    /// not a list, an item that is not an event, or no user <c>message</c> first (V0's <c>system</c> action may precede it).
    /// </summary>
    public static bool TryParse(string json, string workingDir, [NotNullWhen(true)] out V0Replay? replay, [NotNullWhen(false)] out string? error)
    {
        replay = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            error = $"replay_json is not valid JSON: {ex.Message}";
            return false;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = $"replay_json must be a JSON list of V0 events, not {Describe(document.RootElement.ValueKind)}.";
                return false;
            }
            Message? initial = null;
            var calls = new List<ReplayCall>();
            var skipped = new List<string>();
            var finished = false;
            var position = -1;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                position++;
                if (item.ValueKind != JsonValueKind.Object)
                {
                    error = $"replay_json item {position} is {Describe(item.ValueKind)}, not a V0 event object.";
                    return false;
                }
                var action = Text(item, "action");
                var observation = Text(item, "observation");
                if (action is null && observation is null)
                {
                    error = $"replay_json item {position} has neither 'action' nor 'observation'.";
                    return false;
                }
                var source = Text(item, "source");
                if (source == "environment" || action is null)
                    continue; // environment events and observations are never replayed
                var args = item.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
                if (initial is null)
                {
                    if (action == "system")
                        continue; // V0 records its system prompt first; the conversation has its own
                    if (action != "message" || source is "agent")
                    {
                        error = $"replay_json must start with the user's message action; item {position} is a '{action}' action"
                            + (source is null ? "." : $" from '{source}'.");
                        return false;
                    }
                    initial = InitialMessage(args);
                    continue;
                }
                if (finished)
                {
                    skipped.Add($"item {position} ('{action}'): recorded after finish, which ends the replay");
                    continue;
                }
                if (Bookkeeping.Contains(action))
                    continue;
                if (source == "user")
                {
                    skipped.Add($"item {position} ('{action}' from the user): only agent actions are replayed");
                    continue;
                }
                var mapped = Map(action, args, item, workingDir);
                if (mapped.Tool is null)
                {
                    skipped.Add($"item {position} ('{action}'): {mapped.Why}");
                    continue;
                }
                calls.Add(new ReplayCall
                {
                    Index = calls.Count + 1,
                    Tool = mapped.Tool,
                    Arguments = mapped.Arguments!.ToJsonString(),
                    Thought = action == "think" ? "" : Text(args, "thought") ?? "",
                });
                finished = action == "finish";
            }
            if (initial is null)
            {
                error = "replay_json has no user message action to start from.";
                return false;
            }
            replay = new V0Replay(initial, calls, skipped);
            error = null;
            return true;
        }
    }

    private sealed record Mapped(string? Tool, JsonObject? Arguments, string? Why);

    private static Mapped Call(string tool, JsonObject arguments) => new(tool, arguments, null);

    private static Mapped Skip(string why) => new(null, null, why);

    /// <summary>One recorded agent action as a call of our tools (fields as spec/tool-schemas.json names them).</summary>
    private static Mapped Map(string action, JsonElement args, JsonElement item, string workingDir)
    {
        switch (action)
        {
            case "run":
            {
                if (Text(args, "command") is not { } command)
                    return Skip("no command");
                var arguments = new JsonObject { ["command"] = command };
                if (Bool(args, "is_input"))
                    arguments["is_input"] = true;
                // V0 writes a hard timeout at the top level of the event, not in args.
                if (item.TryGetProperty("timeout", out var timeout) && timeout.ValueKind == JsonValueKind.Number)
                    arguments["timeout"] = timeout.GetDouble();
                return Call("terminal", WithRisk(arguments, args));
            }
            case "write":
            {
                if (Path(args, workingDir) is not { } path)
                    return Skip("no path");
                return Call("file_editor", WithRisk(new JsonObject
                {
                    ["command"] = "create",
                    ["path"] = path,
                    ["file_text"] = Text(args, "content") ?? "",
                }, args));
            }
            case "edit":
                return Edit(args, workingDir);
            case "read":
            {
                if (Path(args, workingDir) is not { } path)
                    return Skip("no path");
                var arguments = new JsonObject { ["command"] = "view", ["path"] = path };
                if (args.ValueKind == JsonValueKind.Object && args.TryGetProperty("view_range", out var range) && range.ValueKind == JsonValueKind.Array)
                    arguments["view_range"] = JsonNode.Parse(range.GetRawText());
                else if ((Int(args, "start") ?? 0, Int(args, "end") ?? -1) is var (start, end) && (start > 0 || end != -1))
                    // V0's start/end are a 0-based half-open line slice; view_range is 1-based and inclusive.
                    arguments["view_range"] = new JsonArray(start + 1, end);
                return Call("file_editor", arguments);
            }
            case "think":
                return Call("think", new JsonObject { ["thought"] = Text(args, "thought") ?? "" });
            case "finish":
            {
                var message = Text(args, "final_thought") is { Length: > 0 } final ? final
                    : Text(args, "thought") is { Length: > 0 } thought ? thought
                    : "Done.";
                return Call("finish", new JsonObject { ["message"] = message });
            }
            case "task_tracking":
            {
                var arguments = new JsonObject { ["command"] = Text(args, "command") ?? "view" };
                if (args.ValueKind == JsonValueKind.Object && args.TryGetProperty("task_list", out var list) && list.ValueKind == JsonValueKind.Array)
                    arguments["task_list"] = JsonNode.Parse(list.GetRawText());
                return Call("task_tracker", arguments);
            }
            case "call_tool_mcp":
            {
                if (Text(args, "name") is not { Length: > 0 } name)
                    return Skip("no tool name");
                var arguments = args.ValueKind == JsonValueKind.Object && args.TryGetProperty("arguments", out var given)
                    && given.ValueKind == JsonValueKind.Object
                    ? (JsonObject)JsonNode.Parse(given.GetRawText())!
                    : [];
                return Call(name, arguments);
            }
            case "message":
                return Skip("agent messages are not replayed");
            default:
                return Skip("Deckhand has no tool for this action");
        }
    }

    /// <summary>V0's <c>edit</c>: the file_editor commands carry over; an LLM-based edit of a whole file becomes <c>create</c>.</summary>
    private static Mapped Edit(JsonElement args, string workingDir)
    {
        if (Path(args, workingDir) is not { } path)
            return Skip("no path");
        var command = Text(args, "command") ?? "";
        if (command.Length == 0)
        {
            // V0's LLM-based edit (content + line range): only a whole-file rewrite is reproducible without a model.
            var whole = (Int(args, "start") ?? 1) <= 1 && (Int(args, "end") ?? -1) == -1;
            if (!whole || Text(args, "content") is not { } content)
                return Skip("an LLM-based edit of a line range cannot be replayed without the model");
            return Call("file_editor", WithRisk(new JsonObject { ["command"] = "create", ["path"] = path, ["file_text"] = content }, args));
        }
        if (command is not ("view" or "create" or "str_replace" or "insert" or "undo_edit"))
            return Skip($"unknown edit command '{command}'");
        var arguments = new JsonObject { ["command"] = command, ["path"] = path };
        foreach (var name in (string[])["file_text", "old_str", "new_str"])
        {
            if (Text(args, name) is { } value)
                arguments[name] = value;
        }
        if (command == "create" && !arguments.ContainsKey("file_text") && Text(args, "content") is { } text)
            arguments["file_text"] = text;
        if (Int(args, "insert_line") is { } line)
            arguments["insert_line"] = line;
        return Call("file_editor", WithRisk(arguments, args));
    }

    /// <summary>The initial user message: its text and V0's <c>image_urls</c>.</summary>
    private static Message InitialMessage(JsonElement args)
    {
        var content = new List<ContentItem> { new TextContent(Text(args, "content") ?? "") };
        if (args.ValueKind == JsonValueKind.Object && args.TryGetProperty("image_urls", out var images) && images.ValueKind == JsonValueKind.Array)
        {
            var urls = images.EnumerateArray().Where(u => u.ValueKind == JsonValueKind.String).Select(u => u.GetString()!).ToList();
            if (urls.Count > 0)
                content.Add(new ImageContent(urls));
        }
        return new Message { Role = MessageRole.User, Content = content };
    }

    /// <summary>V0's <c>security_risk</c> (-1 unknown, 0 low, 1 medium, 2 high) as our label, when it was rated.</summary>
    private static JsonObject WithRisk(JsonObject arguments, JsonElement args)
    {
        var label = Int(args, "security_risk") switch
        {
            0 => "LOW",
            1 => "MEDIUM",
            2 => "HIGH",
            _ => null,
        };
        if (label is not null)
            arguments["security_risk"] = label;
        return arguments;
    }

    /// <summary>The recorded path in this workspace: V0's <c>/workspace</c> is the conversation's working directory.</summary>
    private static string? Path(JsonElement args, string workingDir)
    {
        if (Text(args, "path") is not { Length: > 0 } path)
            return null;
        if (path == V0WorkspaceRoot)
            return workingDir;
        if (path.StartsWith(V0WorkspaceRoot + "/", StringComparison.Ordinal))
            return System.IO.Path.Join(workingDir, path[(V0WorkspaceRoot.Length + 1)..]);
        return System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Join(workingDir, path);
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static bool Bool(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static int? Int(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var number) => number,
            JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
