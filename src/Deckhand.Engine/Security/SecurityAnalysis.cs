using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Security;

/// <summary>The conversation's analyzer and confirmation policy as functions of a call's risk.</summary>
public static class SecurityAnalysis
{
    /// <summary>
    /// The risk recorded on a call. No analyzer: <c>UNKNOWN</c> (the model's label is ignored). A read-only tool:
    /// <c>UNKNOWN</c> (it is offered no <c>security_risk</c>). <see cref="LLMSecurityAnalyzer"/>: the model's label.
    /// <see cref="PatternSecurityAnalyzer"/>: the label raised by <paramref name="finding"/>.
    /// </summary>
    public static SecurityRisk Assess(SecurityAnalyzer? analyzer, bool readOnlyTool, SecurityRisk labelled, RiskFinding? finding) =>
        analyzer switch
        {
            null => SecurityRisk.Unknown,
            _ when readOnlyTool => SecurityRisk.Unknown,
            PatternSecurityAnalyzer when finding is not null => Raise(labelled, finding.Risk),
            _ => labelled,
        };

    /// <summary>
    /// The higher of two ratings, where <c>UNKNOWN</c> ranks just below <c>HIGH</c>: only a HIGH finding replaces an
    /// unknown label, and a finding of UNKNOWN changes nothing. That keeps raising monotone under every policy:
    /// <c>ConfirmRisky(confirm_unknown=true)</c> asks about UNKNOWN, so turning it into MEDIUM would let the call pass
    /// unasked, and <c>confirm_unknown=false</c> would let a LOW call turned UNKNOWN pass.
    /// </summary>
    public static SecurityRisk Raise(SecurityRisk labelled, SecurityRisk found) =>
        found != SecurityRisk.Unknown && Rank(found) > Rank(labelled) ? found : labelled;

    private static int Rank(SecurityRisk risk) => risk switch
    {
        SecurityRisk.Low => 1,
        SecurityRisk.Medium => 2,
        SecurityRisk.Unknown => 3,
        SecurityRisk.High => 4,
        _ => 0,
    };

    /// <summary>Whether <paramref name="policy"/> asks the user about a call rated <paramref name="risk"/>.</summary>
    public static bool ShouldConfirm(ConfirmationPolicy policy, SecurityRisk risk) => policy switch
    {
        AlwaysConfirm => true,
        ConfirmRisky risky when risk == SecurityRisk.Unknown => risky.ConfirmUnknown,
        ConfirmRisky risky => Severity(risk) >= Severity(risky.Threshold),
        _ => false,
    };

    private static int Severity(SecurityRisk risk) => risk switch
    {
        SecurityRisk.Low => 1,
        SecurityRisk.Medium => 2,
        SecurityRisk.High => 3,
        _ => 0,
    };
}
