using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Agent;
using Deckhand.Engine.Conversations;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Replay;

/// <summary>
/// One step of a replay: the next recorded call goes through the same path as a model's call (<see cref="ToolCalls"/>,
/// so validation, the security rating, confirmation mode, <c>ActionGate</c> and secret masking all apply), under its own
/// <c>llm_response_id</c> <c>replay-&lt;n&gt;</c> and a fresh tool call id. The call leaves the stored queue in the commit
/// that records it, so after a restart the replay goes on with the next one.
/// </summary>
internal static class ReplayStep
{
    public const string ResponseIdPrefix = "replay-";

    public static Task<StepOutcome> RunAsync(ConversationRunner conversation, AgentRuntime agent, IReadOnlyList<ReplayCall> queue,
        CancellationToken cancellationToken)
    {
        var next = queue[0];
        IReadOnlyList<ReplayCall>? rest = queue.Count > 1 ? [.. queue.Skip(1)] : null;
        var call = new FunctionCallContent("call_replay_" + Guid.NewGuid().ToString("N")[..16], next.Tool) { RawRepresentation = next.Arguments };
        return ToolCalls.RunAsync(conversation, agent, [call], next.Thought, ReplyExtras.None, ResponseIdPrefix + next.Index, stats: null,
            cancellationToken, meta => meta with { Replay = rest });
    }
}
