using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Agent;

namespace Deckhand.Engine.Conversations;

public sealed partial class ConversationRunner
{
    /// <summary>
    /// <c>ask_agent</c>: answers <paramref name="question"/> from the conversation's current view, changing nothing
    /// (see <see cref="AskAgent"/>). Safe while a run is going: it reads the committed log and takes no lock.
    /// </summary>
    public async Task<string> AskAgentAsync(string question, CancellationToken cancellationToken = default)
    {
        var history = await Task.Run(LoadHistory, cancellationToken);
        return await AskAgent.AskAsync(_agent, history, question, cancellationToken);
    }

    /// <summary>The state and the seq of the last event, read together (a fork copies a consistent pair).</summary>
    internal async Task<(ConversationSnapshot Snapshot, long HeadSeq)> ForkPointAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return (_snapshot, _headSeq);
        }
        finally
        {
            _gate.Release();
        }
    }
}
