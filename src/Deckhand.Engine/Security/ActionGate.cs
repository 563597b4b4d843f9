using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Tools;

namespace Deckhand.Engine.Security;

/// <summary>A validated tool call on its way to its tool.</summary>
internal sealed record GateCall(ActionEvent Action, ITool Tool);

/// <summary>A call <see cref="ActionGate"/> let through: by the confirmation policy, or because the user accepted it.</summary>
internal sealed class ClearedCall
{
    private ClearedCall(GateCall call) => Call = call;

    public GateCall Call { get; }

    public ActionEvent Action => Call.Action;

    public ITool Tool => Call.Tool;

    internal static IReadOnlyList<ClearedCall> Of(IEnumerable<GateCall> calls) => [.. calls.Select(c => new ClearedCall(c))];
}

/// <summary>
/// The one door between the model's tool calls and the tools, for every tool alike (built-in, registered or MCP: all
/// are <see cref="ITool"/>s). Each call is rated here (<see cref="Assess"/>); each batch is held here when the
/// confirmation policy wants the user to approve it (<see cref="Review"/>); and <see cref="ExecuteAsync"/>, which
/// only takes a <see cref="ClearedCall"/>, is the engine's only caller of <see cref="ITool.ExecuteAsync"/>.
/// </summary>
internal static class ActionGate
{
    /// <summary>The risk to record on a call, from the conversation's analyzer (see <see cref="SecurityAnalysis.Assess"/>).</summary>
    public static SecurityRisk Assess(ConversationState state, ITool tool, ToolAction action, SecurityRisk labelled, string arguments)
    {
        var readOnly = IsReadOnly(tool);
        var finding = state.SecurityAnalyzer is PatternSecurityAnalyzer && !readOnly
            ? RiskRules.Check(action, arguments, state.Workspace.WorkingDir)
            : null;
        return SecurityAnalysis.Assess(state.SecurityAnalyzer, readOnly, labelled, finding);
    }

    /// <summary>Read-only tools get no <c>security_risk</c> parameter and are rated UNKNOWN.</summary>
    public static bool IsReadOnly(ITool tool) => tool.Definition.Annotations is { ReadOnlyHint: true };

    /// <summary>The batch cleared to run, or null when the user must confirm it first.</summary>
    public static IReadOnlyList<ClearedCall>? Review(ConfirmationPolicy policy, IReadOnlyList<GateCall> calls) =>
        NeedsConfirmation(policy, calls.Select(c => c.Action)) ? null : ClearedCall.Of(calls);

    /// <summary>The user accepted the pending calls (or ran the conversation while they waited): they are cleared.</summary>
    public static IReadOnlyList<ClearedCall> Confirmed(IReadOnlyList<GateCall> calls) => ClearedCall.Of(calls);

    /// <summary>
    /// Whether <paramref name="policy"/> holds a batch: when any call's risk asks for it. A batch that is just one
    /// <c>finish</c> or <c>think</c> never waits.
    /// </summary>
    public static bool NeedsConfirmation(ConfirmationPolicy policy, IEnumerable<ActionEvent> batch)
    {
        var actions = batch.Where(a => a.Action is not null).ToList();
        if (actions.Count == 0 || actions is [{ Action: FinishAction or ThinkAction }])
            return false;
        return actions.Any(a => SecurityAnalysis.ShouldConfirm(policy, a.SecurityRisk));
    }

    /// <summary>Runs a cleared call; the result is an observation, or an error the model can read.</summary>
    public static async Task<Event> ExecuteAsync(ClearedCall call, ToolContext context, CancellationToken cancellationToken)
    {
        var action = call.Action;
        try
        {
            var observation = await call.Tool.ExecuteAsync(action.Action!, context, cancellationToken);
            return new ObservationEvent
            {
                ParentId = action.Id,
                ToolName = action.ToolName,
                ToolCallId = action.ToolCallId,
                ActionId = action.Id,
                Observation = observation,
            };
        }
        catch (ToolArgumentException ex)
        {
            return Failure(action, $"Error executing tool '{action.ToolName}': {ex.Message}", ErrorClassification.AgentOutcome);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failure(action, $"Error executing tool '{action.ToolName}': {ex.Message}", ErrorClassification.Internal);
        }
    }

    public static AgentErrorEvent Failure(ActionEvent action, string message, ErrorClassification classification) => new()
    {
        ParentId = action.Id,
        ToolName = action.ToolName,
        ToolCallId = action.ToolCallId,
        Error = message,
        Classification = classification,
    };
}
