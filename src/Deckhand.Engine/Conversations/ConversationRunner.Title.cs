using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Llm;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Conversations;

/// <summary>
/// Auto-title: the first user message with text, in a conversation with <c>autotitle</c> on and no title, starts one
/// background model call for a title. Its usage is counted under the usage id <c>title</c>. If the call fails the
/// title is cut from the message and the failure is recorded as a <c>ConversationErrorEvent</c> that changes nothing
/// else: the conversation's status and run are not affected. A title set meanwhile (PATCH) is kept.
/// </summary>
public sealed partial class ConversationRunner
{
    /// <summary>The usage id title calls are counted under.</summary>
    public const string TitleUsageId = "title";

    private Task? _titleTask;
    private CancellationTokenSource? _titleCts;

    private bool TitlePending => _titleTask is { IsCompleted: false };

    /// <summary>The background title call, if one was started (tests wait on it).</summary>
    public Task TitleTask => _titleTask ?? Task.CompletedTask;

    /// <summary>The text to title the conversation from when <paramref name="message"/> should give it its title, else null.</summary>
    private string? NeedsTitleLocked(Message message)
    {
        if (_snapshot.Meta is not { Title: null, Autotitle: true } || TitlePending)
            return null;
        var text = message.Text().Trim();
        return text.Length > 0 ? text : null;
    }

    private void StartTitleLocked(string firstMessage)
    {
        _titleCts ??= new CancellationTokenSource();
        var token = _titleCts.Token;
        _titleTask = Task.Run(() => GenerateTitleAsync(firstMessage, token), CancellationToken.None);
    }

    private async Task GenerateTitleAsync(string firstMessage, CancellationToken cancellationToken)
    {
        ChatResponse? response = null;
        ConversationErrorEvent? failure = null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            response = await Titles.AskModelAsync(_agent.Llm, _agent.LlmConfig, firstMessage, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            var code = ex is LlmException llm ? llm.Code : ex.GetType().Name;
            EngineLog.TitleFailed(_logger, Id, code);
            failure = Error(code, "The model could not generate a title, so the title was taken from the first message. " + ex.Message);
        }
        var latency = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var title = (response is null ? null : Titles.FromModel(response.Text)) ?? Titles.FromMessage(firstMessage);

        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (_closed)
                return;
            var config = _agent.LlmConfig with { UsageId = TitleUsageId };
            AppendLocked(failure is null ? [] : [failure],
                response is null ? null : s => s with
                {
                    Stats = UsageStats.Add(s.Stats, config, response, response.ResponseId ?? "title-" + Guid.NewGuid().ToString("N")[..12],
                        latency, DateTimeOffset.UtcNow),
                },
                meta => meta.Title is null ? meta with { Title = title } : meta);
        }
        catch (Exception ex)
        {
            // A title is not worth failing anything for (e.g. the disk is full): the conversation simply has none.
            EngineLog.RunFailed(_logger, Id, "TitleNotSaved", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopTitleAsync(TimeSpan timeout)
    {
        var task = _titleTask;
        if (task is null)
            return;
        _titleCts?.Cancel();
        await task.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
