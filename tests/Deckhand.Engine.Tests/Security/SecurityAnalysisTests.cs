using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Security;

namespace Deckhand.Engine.Tests.Security;

/// <summary>How analyzers turn the model's label into the recorded risk, and how policies decide on it.</summary>
public sealed class SecurityAnalysisTests
{
    private static readonly RiskFinding HighFinding = new(SecurityRisk.High, "r", "why");
    private static readonly RiskFinding MediumFinding = new(SecurityRisk.Medium, "r", "why");

    [Fact]
    public void NoAnalyzer_RatesEverythingUnknown_WhateverTheModelSaid()
    {
        Assert.Equal(SecurityRisk.Unknown, SecurityAnalysis.Assess(null, false, SecurityRisk.Low, HighFinding));
        Assert.Equal(SecurityRisk.Unknown, SecurityAnalysis.Assess(null, false, SecurityRisk.High, null));
    }

    [Fact]
    public void LlmAnalyzer_TrustsTheLabel_ReadOnlyToolsStayUnknown()
    {
        Assert.Equal(SecurityRisk.Low, SecurityAnalysis.Assess(new LLMSecurityAnalyzer(), false, SecurityRisk.Low, HighFinding));
        Assert.Equal(SecurityRisk.Unknown, SecurityAnalysis.Assess(new LLMSecurityAnalyzer(), true, SecurityRisk.High, null));
    }

    [Theory]
    [InlineData(SecurityRisk.Low, SecurityRisk.High, SecurityRisk.High)]
    [InlineData(SecurityRisk.Low, SecurityRisk.Medium, SecurityRisk.Medium)]
    [InlineData(SecurityRisk.Medium, SecurityRisk.High, SecurityRisk.High)]
    [InlineData(SecurityRisk.High, SecurityRisk.Medium, SecurityRisk.High)] // never lowered
    [InlineData(SecurityRisk.Unknown, SecurityRisk.High, SecurityRisk.High)]
    [InlineData(SecurityRisk.Unknown, SecurityRisk.Medium, SecurityRisk.Unknown)] // MEDIUM would slip past confirm_unknown
    public void PatternAnalyzer_OnlyRaises(SecurityRisk labelled, SecurityRisk found, SecurityRisk expected) =>
        Assert.Equal(expected, SecurityAnalysis.Assess(new PatternSecurityAnalyzer(), false, labelled,
            found == SecurityRisk.High ? HighFinding : MediumFinding));

    [Fact]
    public void Raising_NeverTurnsAConfirmedCallIntoAnUnconfirmedOne_UnderAnyPolicy()
    {
        var policies = new List<ConfirmationPolicy> { new NeverConfirm(), new AlwaysConfirm() };
        foreach (var threshold in new[] { SecurityRisk.Low, SecurityRisk.Medium, SecurityRisk.High })
        {
            foreach (var unknown in new[] { true, false })
                policies.Add(new ConfirmRisky { Threshold = threshold, ConfirmUnknown = unknown });
        }
        var levels = Enum.GetValues<SecurityRisk>();
        foreach (var policy in policies)
        {
            foreach (var labelled in levels)
            {
                foreach (var found in levels)
                {
                    if (SecurityAnalysis.ShouldConfirm(policy, labelled))
                        Assert.True(SecurityAnalysis.ShouldConfirm(policy, SecurityAnalysis.Raise(labelled, found)), $"{policy} {labelled} {found}");
                }
            }
        }
    }

    [Theory]
    [InlineData(SecurityRisk.Low, SecurityRisk.High, true, false)]
    [InlineData(SecurityRisk.High, SecurityRisk.High, true, true)]
    [InlineData(SecurityRisk.Medium, SecurityRisk.Medium, true, true)]
    [InlineData(SecurityRisk.Medium, SecurityRisk.High, true, false)]
    [InlineData(SecurityRisk.Unknown, SecurityRisk.High, true, true)]
    [InlineData(SecurityRisk.Unknown, SecurityRisk.Low, false, false)]
    public void ConfirmRisky_ComparesToTheThreshold_AndAsksAboutUnknownWhenTold(SecurityRisk risk, SecurityRisk threshold, bool confirmUnknown,
        bool expected) =>
        Assert.Equal(expected, SecurityAnalysis.ShouldConfirm(new ConfirmRisky { Threshold = threshold, ConfirmUnknown = confirmUnknown }, risk));

    [Fact]
    public void AlwaysAndNever_DoWhatTheySay() 
    {
        Assert.True(SecurityAnalysis.ShouldConfirm(new AlwaysConfirm(), SecurityRisk.Low));
        Assert.False(SecurityAnalysis.ShouldConfirm(new NeverConfirm(), SecurityRisk.High));
    }

    [Fact]
    public void Gate_NeverHoldsALoneFinishOrThink_ButHoldsThemInABatch()
    {
        var finish = Action(new FinishAction { Message = "done" });
        var think = Action(new ThinkAction { Thought = "hmm" });
        var terminal = Action(new TerminalAction { Command = "ls" });
        var invalid = Action(null);
        Assert.False(ActionGate.NeedsConfirmation(new AlwaysConfirm(), [finish]));
        Assert.False(ActionGate.NeedsConfirmation(new AlwaysConfirm(), [think]));
        Assert.False(ActionGate.NeedsConfirmation(new AlwaysConfirm(), [invalid]));
        Assert.True(ActionGate.NeedsConfirmation(new AlwaysConfirm(), [think, terminal]));
        Assert.True(ActionGate.NeedsConfirmation(new AlwaysConfirm(), [terminal, finish]));
        Assert.False(ActionGate.NeedsConfirmation(new NeverConfirm(), [terminal]));
    }

    private static ActionEvent Action(ToolAction? action) => new()
    {
        Action = action,
        ToolName = "x",
        ToolCallId = Guid.NewGuid().ToString(),
        ToolCall = new MessageToolCall { Id = "c", Name = "x", Arguments = "{}" },
        LlmResponseId = "r",
    };
}
