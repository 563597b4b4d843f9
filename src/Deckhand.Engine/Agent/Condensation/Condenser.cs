using System.Diagnostics;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Engine.Llm;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Agent.Condensers;

/// <summary>
/// OpenHands' LLM-summarizing condenser (spec §4.6). Before each LLM call it looks for reasons to condense: a pending
/// <c>CondensationRequest</c> (REQUEST, hard), a last prompt over the token limit (TOKENS, hard), or more than
/// <c>max_size</c> events in the view (EVENTS, soft). It then forgets the middle of the view, keeping the head and
/// the smallest tail any reason asks for, and stores the summary. If that is not possible, a soft reason sends the
/// view as it is; a hard one falls back to a hard context reset: everything after the system prompt is summarised,
/// retried with each event's text shrunk when even the summary request is too long.
/// </summary>
internal sealed class Condenser(CondenserSettings settings, Lazy<IChatClient> llm) : IDisposable
{
    /// <summary>Rough characters per token, for choosing how much to forget when the reason is the token count.</summary>
    private const int CharsPerToken = 4;

    public CondenserSettings Settings { get; } = settings;

    /// <summary>Why and how much to condense: <see cref="KeptSuffix"/> is the number of recent events to keep.</summary>
    public sealed record Plan(bool Hard, int KeptSuffix, string Reasons);

    /// <summary>The result of <see cref="CondenseAsync"/>.</summary>
    public abstract record Outcome
    {
        private Outcome()
        {
        }

        /// <summary>A condensation to store, with the summary call that wrote it.</summary>
        public sealed record Condensed(Contracts.Events.Condensation Event, ChatResponse Response, TimeSpan Latency) : Outcome;

        /// <summary>Nothing could be condensed; for a soft reason the step goes on with the whole view.</summary>
        public sealed record NotCondensed : Outcome;

        /// <summary>A hard context reset was needed and failed: even a shrunk summary request did not fit.</summary>
        public sealed record Failed(LlmException Error) : Outcome;
    }

    /// <summary>The plan for this step, or null when the view is fine as it is.</summary>
    /// <param name="history">The stored events the view is made from (with condensation markers).</param>
    /// <param name="view">The view the model would see.</param>
    /// <param name="lastAgentCall">The agent's latest LLM call, for its token count.</param>
    /// <param name="agentLlm">The agent's LLM, for its context window.</param>
    public Plan? Evaluate(IReadOnlyList<Event> history, CondensedView view, TokenUsage? lastAgentCall, LlmConfig agentLlm)
    {
        var n = view.Events.Count;
        var keepFirst = Settings.KeepFirst;
        var reasons = new List<string>();
        var suffix = int.MaxValue;
        var hard = false;
        if (CondensedView.RequestPending(history))
        {
            reasons.Add("REQUEST");
            suffix = Math.Min(suffix, n / 2 - keepFirst - 1);
            hard = true;
        }
        if (TokenLimit(agentLlm) is { } limit && lastAgentCall is { PerTurnToken: var total } && total > limit
            && CalledSinceLastCondensation(history, lastAgentCall.ResponseId))
        {
            reasons.Add("TOKENS");
            suffix = Math.Min(suffix, SuffixDropping(view.Events, total - limit / 2));
            hard = true;
        }
        if (n > Settings.MaxSize)
        {
            reasons.Add("EVENTS");
            suffix = Math.Min(suffix, Settings.MaxSize / 2 - keepFirst - 1);
        }
        return reasons.Count == 0 ? null : new Plan(hard, Math.Max(0, suffix), string.Join(",", reasons));
    }

    /// <summary><c>min(max_tokens, the agent model's input limit)</c>, or null when neither is known.</summary>
    private int? TokenLimit(LlmConfig agentLlm) => (Settings.MaxTokens, ModelCapabilities.InputLimit(agentLlm)) switch
    {
        ({ } a, { } b) => Math.Min(a, b),
        ({ } a, null) => a,
        (null, { } b) => b,
        _ => null,
    };

    /// <summary>
    /// True when the call was made after the latest condensation: a count from before it describes a view that no
    /// longer exists and would condense again and again.
    /// </summary>
    private static bool CalledSinceLastCondensation(IReadOnlyList<Event> history, string responseId)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            switch (history[i])
            {
                case Contracts.Events.Condensation:
                    return false;
                case ActionEvent a when a.LlmResponseId == responseId:
                case MessageEvent m when m.LlmResponseId == responseId:
                    return true;
            }
        }
        return false;
    }

    /// <summary>How many recent events can stay when about <paramref name="tokensToDrop"/> tokens must go, forgetting from the head on.</summary>
    private int SuffixDropping(IReadOnlyList<Event> events, long tokensToDrop)
    {
        long dropped = 0;
        for (var i = Math.Min(Settings.KeepFirst, events.Count); i < events.Count; i++)
        {
            dropped += Summarizer.Describe(events[i]).Length / CharsPerToken + 1;
            if (dropped >= tokensToDrop)
                return events.Count - i - 1;
        }
        return 0;
    }

    public async Task<Outcome> CondenseAsync(CondensedView view, Plan plan, ChatOptions options, CancellationToken cancellationToken)
    {
        var events = view.Events;
        if (ForgetRange.Choose(events, Settings.KeepFirst, plan.KeptSuffix, Settings.MinimumProgress) is var (start, end))
        {
            var forgotten = events.Skip(start).Take(end - start).ToList();
            try
            {
                return await SummarizeAsync(forgotten, start, Summarizer.MaxEventChars, options, cancellationToken);
            }
            catch (LlmException ex) when (ex.Code == LlmException.ContextWindowExceeded && !plan.Hard)
            {
                return new Outcome.NotCondensed();
            }
            catch (LlmException ex) when (ex.Code == LlmException.ContextWindowExceeded)
            {
                // Hard: fall through to the hard context reset.
            }
        }
        return plan.Hard ? await HardResetAsync(events, options, cancellationToken) : new Outcome.NotCondensed();
    }

    /// <summary>
    /// Summarises everything but the system prompt; when the summary request itself is too long, tries again with
    /// every event's text cut to <c>hard_context_reset_context_scaling</c> of the previous length.
    /// </summary>
    private async Task<Outcome> HardResetAsync(IReadOnlyList<Event> events, ChatOptions options, CancellationToken cancellationToken)
    {
        var start = events.Count > 0 && events[0] is SystemPromptEvent ? 1 : 0;
        var forgotten = events.Skip(start).ToList();
        // The first user message alone is not worth replacing with a summary of itself.
        var firstUser = forgotten.FindIndex(e => e is MessageEvent { Source: EventSource.User });
        if (forgotten.Count == 0 || forgotten.Count <= firstUser + 1)
            return new Outcome.NotCondensed();
        var maxChars = Summarizer.MaxEventChars;
        LlmException? last = null;
        for (var attempt = 0; attempt <= Settings.HardResetMaxRetries; attempt++)
        {
            try
            {
                return await SummarizeAsync(forgotten, start, maxChars, options, cancellationToken);
            }
            catch (LlmException ex) when (ex.Code == LlmException.ContextWindowExceeded)
            {
                last = ex;
                maxChars = Math.Max(1, (int)(maxChars * Settings.HardResetScaling));
            }
        }
        return new Outcome.Failed(last!);
    }

    private async Task<Outcome> SummarizeAsync(List<Event> forgotten, int offset, int maxChars, ChatOptions options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await Summarizer.SummarizeAsync(llm.Value, forgotten, maxChars, options, cancellationToken);
        var responseId = response.ResponseId ?? "resp-" + Guid.NewGuid().ToString("N")[..12];
        return new Outcome.Condensed(Summarizer.ToCondensation(forgotten, offset, response, responseId), response, Stopwatch.GetElapsedTime(started));
    }

    public void Dispose()
    {
        if (llm.IsValueCreated)
            llm.Value.Dispose();
    }
}
