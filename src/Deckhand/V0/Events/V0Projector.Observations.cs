using System.Text.Json.Nodes;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;

namespace Deckhand.V0.Events;

public sealed partial class V0Projector
{
    /// <summary>V0 keeps at most this much of a command's output, eliding the middle.</summary>
    public const int MaxCommandOutput = 30_000;

    private const string TruncationNotice = "\n[... Observation truncated due to length ...]\n";

    private V0Event? Observation(ObservationEvent o)
    {
        var text = o.Observation.Text();
        (string type, string content, JsonObject extras, string message, bool? success) = o.Observation switch
        {
            TerminalObservation t => Run(t, text),
            FinishObservation => default,
            // A failed tool call (bad path, no match, ...) is an error observation in V0; a failed command is still a `run`.
            { IsError: true } => ("error", text, new JsonObject { ["error_id"] = "" }, text, null),
            FileEditorObservation { Command: "view" } f => ("read", text, new JsonObject
            {
                ["path"] = f.Path ?? "",
                ["impl_source"] = "oh_aci",
            }, $"I read the file {f.Path}.", null),
            FileEditorObservation f => ("edit", text, new JsonObject
            {
                ["path"] = f.Path ?? "",
                ["prev_exist"] = f.PrevExist,
                ["old_content"] = f.OldContent,
                ["new_content"] = f.NewContent,
                ["impl_source"] = "oh_aci",
                ["diff"] = null,
                ["_diff_cache"] = null,
            }, $"I edited the file {f.Path}.", null),
            TaskTrackerObservation t => ("task_tracking", text, new JsonObject
            {
                ["command"] = t.Command,
                ["task_list"] = TaskList(t.TaskList),
            }, text, null),
            ThinkObservation => ("think", text, [], text, null),
            GlobObservation g => ("mcp", text, new JsonObject
            {
                ["name"] = o.ToolName,
                ["arguments"] = new JsonObject { ["pattern"] = g.Pattern, ["path"] = g.SearchPath },
            }, text, null),
            GrepObservation g => ("mcp", text, new JsonObject
            {
                ["name"] = o.ToolName,
                ["arguments"] = new JsonObject { ["pattern"] = g.Pattern, ["path"] = g.SearchPath, ["include"] = g.IncludePattern },
            }, text, null),
            _ => ("mcp", text, new JsonObject { ["name"] = o.ToolName, ["arguments"] = new JsonObject() }, text, null),
        };
        // The finish tool's result: V0 ends with the finish action and has no observation for it.
        if (type is null)
            return null;
        return ObservationOf(o, type, content, extras, message) with
        {
            // It answers an agent action, so V0 records it under the agent (and sends it live).
            Source = "agent",
            Cause = ids.Find(o.ActionId),
            Success = success,
            ToolCallMetadata = ObservationMetadata(o.ActionId, o.ToolName, o.ToolCallId),
        };
    }

    private static (string, string, JsonObject, string, bool?) Run(TerminalObservation t, string text)
    {
        var exitCode = t.ExitCode ?? t.Metadata.ExitCode;
        var command = t.Command ?? "";
        var m = t.Metadata;
        var extras = new JsonObject
        {
            ["command"] = command,
            ["metadata"] = new JsonObject
            {
                ["exit_code"] = exitCode,
                ["pid"] = m.Pid,
                ["username"] = m.Username,
                ["hostname"] = m.Hostname,
                ["working_dir"] = m.WorkingDir,
                ["py_interpreter_path"] = m.PyInterpreterPath,
                ["prefix"] = m.Prefix,
                ["suffix"] = m.Suffix,
            },
            ["hidden"] = false,
        };
        return ("run", Truncate(text), extras, $"Command `{command}` executed with exit code {exitCode}.", exitCode == 0);
    }

    /// <summary>The head and tail of <paramref name="text"/> when it is longer than <see cref="MaxCommandOutput"/>.</summary>
    public static string Truncate(string text)
    {
        if (text.Length <= MaxCommandOutput)
            return text;
        var half = MaxCommandOutput / 2;
        return string.Concat(text.AsSpan(0, half), TruncationNotice, text.AsSpan(text.Length - half));
    }

    private V0Event Rejected(UserRejectObservation r) =>
        ObservationOf(r, "user_rejected", r.RejectionReason, [], r.RejectionReason) with
        {
            // The user's answer: V0 records the rejection under the user, which also sends it live.
            Source = "user",
            Cause = ids.Find(r.ActionId),
            ToolCallMetadata = ObservationMetadata(r.ActionId, r.ToolName, r.ToolCallId),
        };

    private V0Event AgentError(AgentErrorEvent err) =>
        ObservationOf(err, "error", err.Error, new JsonObject { ["error_id"] = err.Classification.ErrorId ?? "" }, err.Error) with
        {
            Source = "agent",
            Cause = err.ParentId is { } action ? ids.Find(action) : null,
            ToolCallMetadata = ObservationMetadata(err.ParentId, err.ToolName, err.ToolCallId),
        };

    private JsonObject ObservationMetadata(string? actionId, string toolName, string toolCallId)
    {
        var responseId = actionId is not null && _actions.TryGetValue(actionId, out var origin) ? origin.ResponseId : "";
        var modelResponse = new JsonObject { ["id"] = responseId, ["object"] = "chat.completion", ["choices"] = new JsonArray() };
        return ToolCallMetadata(toolName, toolCallId, Math.Max(1, _callsPerResponse.GetValueOrDefault(responseId)), modelResponse);
    }
}
