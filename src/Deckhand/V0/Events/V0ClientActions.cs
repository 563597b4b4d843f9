using System.Text.Json;

namespace Deckhand.V0.Events;

/// <summary>
/// Parses what a V0 client sends as <c>oh_user_action</c> (or the legacy <c>oh_action</c>): an event dict
/// <c>{"action": type, "args": {...}}</c> (spec §3.4, §4.4), with OpenHands' legacy argument fixes. Unknown arguments,
/// a client-chosen <c>id</c> and observations are refused, as upstream refuses them.
/// </summary>
public static class V0ClientActions
{
    private static readonly HashSet<string> MessageArgs = ["content", "file_urls", "image_urls", "wait_for_response", "security_risk"];
    private static readonly HashSet<string> ChangeStateArgs = ["agent_state", "thought"];
    private static readonly HashSet<string> Dropped = ["timestamp", "keep_prompt", "task_completed"];

    /// <summary>V0 action types a client cannot send to Deckhand (the agent's own actions, and tool calls by hand).</summary>
    private static readonly HashSet<string> Unsupported =
    [
        "system", "run", "run_ipython", "read", "write", "edit", "browse", "browse_interactive", "call_tool_mcp", "think",
        "finish", "reject", "delegate", "recall", "condensation", "condensation_request", "task_tracking", "loop_recovery", "null",
    ];

    public static V0ParseResult Parse(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
            return V0ParseResult.Fail("Expected an event object such as {\"action\":\"message\",\"args\":{\"content\":\"...\"}}.");
        var hasAction = payload.TryGetProperty("action", out var action) && action.ValueKind != JsonValueKind.Null;
        if (!hasAction && payload.TryGetProperty("observation", out _))
            return V0ParseResult.Fail("Observations cannot be sent by a client; send an action.");
        if (!hasAction)
            return V0ParseResult.Fail("The event has no 'action'.");
        if (action.ValueKind != JsonValueKind.String)
            return V0ParseResult.Fail("'action' must be a string.");
        if (payload.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null)
            return V0ParseResult.Fail("A client cannot choose an event 'id'; the server numbers events.");
        var type = action.GetString()!;
        var args = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (payload.TryGetProperty("args", out var rawArgs) && rawArgs.ValueKind != JsonValueKind.Null)
        {
            if (rawArgs.ValueKind != JsonValueKind.Object)
                return V0ParseResult.Fail("'args' must be an object.");
            foreach (var p in rawArgs.EnumerateObject())
                args[p.Name] = p.Value;
        }
        ApplyLegacyFixes(args);
        return type switch
        {
            "message" => Message(args),
            "change_agent_state" => ChangeAgentState(args),
            _ when Unsupported.Contains(type) =>
                V0ParseResult.Fail($"'{type}' actions cannot be sent by a client; send a 'message' or 'change_agent_state'."),
            _ => V0ParseResult.Fail($"Unknown action type '{type}'."),
        };
    }

    /// <summary>OpenHands' fixes for old clients: stale keys dropped, misspelt ones renamed, a bad security_risk ignored.</summary>
    private static void ApplyLegacyFixes(Dictionary<string, JsonElement> args)
    {
        foreach (var key in Dropped)
            args.Remove(key);
        if (args.Remove("images_urls", out var images) && !args.ContainsKey("image_urls"))
            args["image_urls"] = images;
        if (args.Remove("is_confirmed", out var confirmed) && !args.ContainsKey("confirmation_state"))
            args["confirmation_state"] = confirmed;
        if (args.TryGetValue("security_risk", out var risk)
            && !(risk.ValueKind == JsonValueKind.Number && risk.TryGetInt32(out var r) && r is >= -1 and <= 2))
            args.Remove("security_risk");
    }

    private static V0ParseResult Message(Dictionary<string, JsonElement> args)
    {
        if (Unknown(args, MessageArgs, "message") is { } unknown)
            return unknown;
        if (!args.TryGetValue("content", out var content) || content.ValueKind != JsonValueKind.String)
            return V0ParseResult.Fail("A 'message' needs args.content as a string.");
        if (args.TryGetValue("wait_for_response", out var wait) && wait.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            return V0ParseResult.Fail("args.wait_for_response must be a boolean.");
        if (Strings(args, "image_urls") is not { } images)
            return V0ParseResult.Fail("args.image_urls must be a list of strings.");
        if (Strings(args, "file_urls") is not { } files)
            return V0ParseResult.Fail("args.file_urls must be a list of strings.");
        return V0ParseResult.Ok(new V0SendMessage(content.GetString()!, images, files));
    }

    private static V0ParseResult ChangeAgentState(Dictionary<string, JsonElement> args)
    {
        if (Unknown(args, ChangeStateArgs, "change_agent_state") is { } unknown)
            return unknown;
        if (!args.TryGetValue("agent_state", out var state) || state.ValueKind != JsonValueKind.String)
            return V0ParseResult.Fail("A 'change_agent_state' needs args.agent_state as a string.");
        return state.GetString() switch
        {
            V0AgentStates.Stopped => V0ParseResult.Ok(new V0StopAgent()),
            V0AgentStates.Paused => V0ParseResult.Ok(new V0PauseAgent()),
            V0AgentStates.Running => V0ParseResult.Ok(new V0ResumeAgent()),
            V0AgentStates.UserConfirmed => V0ParseResult.Ok(new V0ConfirmationAnswer(true)),
            V0AgentStates.UserRejected => V0ParseResult.Ok(new V0ConfirmationAnswer(false)),
            var s when V0AgentStates.All.Contains(s) => V0ParseResult.Fail(
                $"A client cannot set the agent state to '{s}'; use stopped, paused, running, user_confirmed or user_rejected."),
            var s => V0ParseResult.Fail($"Unknown agent state '{s}'."),
        };
    }

    private static V0ParseResult? Unknown(Dictionary<string, JsonElement> args, HashSet<string> allowed, string type) =>
        args.Keys.FirstOrDefault(k => !allowed.Contains(k)) is { } key
            ? V0ParseResult.Fail($"Unknown argument '{key}' for a '{type}' action.")
            : null;

    /// <summary>The strings of a list argument ([] when absent or null); null when it is not a list of strings.</summary>
    private static List<string>? Strings(Dictionary<string, JsonElement> args, string name)
    {
        if (!args.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return [];
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            return null;
        return [.. value.EnumerateArray().Select(v => v.GetString()!)];
    }
}
