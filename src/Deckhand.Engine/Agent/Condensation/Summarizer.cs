using System.Text;
using Deckhand.Contracts.Events;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Deckhand.Engine.Agent.Condensers;

/// <summary>
/// Condenses a view: picks the events to forget (<see cref="ForgetRange"/>), asks the model for one summary of them
/// (a plain call without tools) and returns the <see cref="Contracts.Events.Condensation"/> to store.
/// </summary>
internal static class Summarizer
{
    private const int MaxEventChars = 4000;

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

    /// <returns>The condensation and the summary call's response (for its usage), or null when nothing can be forgotten.</returns>
    public static async Task<(Contracts.Events.Condensation Event, ChatResponse Response)?> CondenseAsync(IChatClient llm, IReadOnlyList<Event> view,
        int keepFirst, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (ForgetRange.Choose(view, keepFirst) is not var (start, end))
            return null;
        var forgotten = view.Skip(start).Take(end - start).ToList();
        var prompt = Prompt(forgotten);
        var response = await llm.GetResponseAsync([new AiChatMessage(ChatRole.User, prompt)], options, cancellationToken);
        var summary = response.Text.Trim();
        return (new Contracts.Events.Condensation
        {
            ForgottenEventIds = [.. forgotten.Where(e => e is not CondensationSummaryEvent).Select(e => e.Id)],
            Summary = summary.Length > 0 ? summary : "(The model returned an empty summary of the earlier events.)",
            SummaryOffset = start,
            LlmResponseId = response.ResponseId ?? "resp-" + Guid.NewGuid().ToString("N")[..12],
        }, response);
    }

    internal static string Prompt(IReadOnlyList<Event> forgotten)
    {
        var text = new StringBuilder(Instructions).Append("\n\n");
        foreach (var e in forgotten)
            text.Append("<EVENT>\n").Append(Truncate(Describe(e))).Append("\n</EVENT>\n");
        return text.ToString();
    }

    private static string Describe(Event e) => e switch
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

    private static string Truncate(string text) =>
        text.Length <= MaxEventChars ? text : string.Concat(text.AsSpan(0, MaxEventChars), "\n[... truncated ...]");
}
