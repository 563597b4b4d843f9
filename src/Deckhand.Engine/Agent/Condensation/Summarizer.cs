using System.Text;
using Deckhand.Contracts.Events;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Deckhand.Engine.Agent.Condensers;

/// <summary>
/// Writes a summary of events that are about to leave the model's view: one plain call (no tools) whose prompt lists
/// each event, cut to <c>maxEventChars</c>, and asks for the goal, progress and state to carry forward.
/// </summary>
internal static class Summarizer
{
    public const int MaxEventChars = 4000;

    internal const string Instructions = """
        You are compressing the working memory of a software agent. The events below are about to be removed from its
        context; your summary replaces them, so anything you leave out is lost to the agent.

        Write a compact, factual summary with these headings (skip a heading only if nothing belongs under it):
        GOAL: what the user asked for, including exact requirements and constraints, in their words where it matters.
        DONE: steps already completed and what they established.
        PENDING: what is still left to do, in order.
        STATE: the current state of files (paths, what changed), commands run and their outcome, tests passing or failing.
        NOTES: identifiers, values, errors or decisions the agent will need again.

        Be specific (file names, function names, error messages). Do not invent anything that is not in the events.
        Answer with the summary only.
        """;

    /// <summary>Asks <paramref name="llm"/> for the summary of <paramref name="forgotten"/>.</summary>
    public static Task<ChatResponse> SummarizeAsync(IChatClient llm, IReadOnlyList<Event> forgotten, int maxEventChars,
        ChatOptions? options, CancellationToken cancellationToken) =>
        llm.GetResponseAsync([new AiChatMessage(ChatRole.User, Prompt(forgotten, maxEventChars))], options, cancellationToken);

    /// <summary>The <c>Condensation</c> that forgets <paramref name="forgotten"/> and puts the summary at <paramref name="offset"/>.</summary>
    public static Contracts.Events.Condensation ToCondensation(IReadOnlyList<Event> forgotten, int offset, ChatResponse response, string responseId)
    {
        var summary = response.Text.Trim();
        return new Contracts.Events.Condensation
        {
            ForgottenEventIds = [.. forgotten.Where(e => e is not CondensationSummaryEvent).Select(e => e.Id)],
            Summary = summary.Length > 0 ? summary : "(The model returned an empty summary of the earlier events.)",
            SummaryOffset = offset,
            LlmResponseId = responseId,
        };
    }

    internal static string Prompt(IReadOnlyList<Event> forgotten, int maxEventChars = MaxEventChars)
    {
        var text = new StringBuilder(Instructions).Append("\n\n");
        foreach (var e in forgotten)
            text.Append("<EVENT>\n").Append(Truncate(Describe(e), maxEventChars)).Append("\n</EVENT>\n");
        return text.ToString();
    }

    /// <summary>The text of an event as the summary prompt shows it (also its size estimate for token budgets).</summary>
    internal static string Describe(Event e) => e switch
    {
        CondensationSummaryEvent s => "Summary of even earlier events:\n" + s.Summary,
        MessageEvent m => $"{m.LlmMessage.Role.ToString().ToLowerInvariant()} message:\n"
            + string.Join("\n", m.LlmMessage.Content.OfType<Contracts.Content.TextContent>().Select(t => t.Text)),
        ActionEvent a => $"agent called {a.ToolCall.Name}({a.ToolCall.Arguments})"
            + (a.Thought.Count > 0 ? "\nthinking: " + string.Join("\n", a.Thought.Select(t => t.Text)) : ""),
        ObservationEvent o => $"result of {o.ToolName}{(o.Observation.IsError ? " (error)" : "")}:\n" + o.Observation.Text(),
        AgentErrorEvent err => $"error from {err.ToolName}: {err.Error}",
        UserRejectObservation r => $"user rejected {r.ToolName}: {r.RejectionReason}",
        _ => e.Kind,
    };

    private static string Truncate(string text, int maxChars) =>
        text.Length <= maxChars ? text : string.Concat(text.AsSpan(0, Math.Max(0, maxChars)), "\n[... truncated ...]");
}
