using System.Text.Json;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;
using static Deckhand.Contracts.Tests.Events.GoldenJson;

namespace Deckhand.Contracts.Tests.Events;

/// <summary>The other <c>kind</c> unions (actions, observations, confirmation policies) and the enum strings events use.</summary>
public sealed class PolymorphicContractTests
{
    [Fact]
    public void ToolActions_WriteKindAndFields()
    {
        AssertSameJson("""{"message":"bye","kind":"FinishAction"}""",
            JsonSerializer.Serialize<ToolAction>(new FinishAction { Message = "bye" }, DeckhandJson.Compact.ToolAction));
        AssertSameJson("""{"thought":"hmm","kind":"ThinkAction"}""",
            JsonSerializer.Serialize<ToolAction>(new ThinkAction { Thought = "hmm" }, DeckhandJson.Compact.ToolAction));
    }

    [Fact]
    public void ToolActions_ReadWithKindLast()
    {
        Assert.Equal(new FinishAction { Message = "bye" }, JsonSerializer.Deserialize("""{"message":"bye","kind":"FinishAction"}""", DeckhandJson.Wire.ToolAction));
        Assert.Equal(new ThinkAction { Thought = "hmm" }, JsonSerializer.Deserialize("""{"thought":"hmm","kind":"ThinkAction"}""", DeckhandJson.Wire.ToolAction));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"command":"ls","kind":"NoSuchAction"}""", DeckhandJson.Wire.ToolAction));
    }

    [Theory]
    [InlineData("FinishObservation")]
    [InlineData("ThinkObservation")]
    public void ToolObservations_RoundTrip(string kind)
    {
        ToolObservation observation = kind == "FinishObservation"
            ? new FinishObservation { Content = [new TextContent("ok")], IsError = true }
            : new ThinkObservation { Content = [new TextContent("ok")], IsError = true };
        var expected = $$"""{"content":[{"type":"text","text":"ok","cache_prompt":false}],"is_error":true,"kind":"{{kind}}"}""";

        var json = JsonSerializer.Serialize(observation, DeckhandJson.Compact.ToolObservation);
        var back = JsonSerializer.Deserialize(expected, DeckhandJson.Wire.ToolObservation)!;

        AssertSameJson(expected, json);
        Assert.Equal(observation.GetType(), back.GetType());
        Assert.Equal(("ok", true), (back.Text(), back.IsError));
    }

    [Fact]
    public void ToolObservation_MissingIsError_DefaultsToFalse()
    {
        var back = JsonSerializer.Deserialize("""{"content":[],"kind":"FinishObservation"}""", DeckhandJson.Wire.ToolObservation)!;

        Assert.False(back.IsError);
        Assert.Empty(back.Content);
    }

    [Fact]
    public void ConfirmationPolicies_WriteOpenHandsShapes()
    {
        AssertSameJson("""{"kind":"NeverConfirm"}""", Policy(new NeverConfirm()));
        AssertSameJson("""{"kind":"AlwaysConfirm"}""", Policy(new AlwaysConfirm()));
        AssertSameJson("""{"threshold":"HIGH","confirm_unknown":true,"kind":"ConfirmRisky"}""", Policy(new ConfirmRisky()));
        AssertSameJson("""{"threshold":"MEDIUM","confirm_unknown":false,"kind":"ConfirmRisky"}""",
            Policy(new ConfirmRisky { Threshold = SecurityRisk.Medium, ConfirmUnknown = false }));
    }

    [Fact]
    public void ConfirmationPolicies_Read()
    {
        Assert.IsType<NeverConfirm>(ReadPolicy("""{"kind":"NeverConfirm"}"""));
        Assert.IsType<AlwaysConfirm>(ReadPolicy("""{"kind":"AlwaysConfirm"}"""));
        Assert.Equal(new ConfirmRisky { Threshold = SecurityRisk.Low, ConfirmUnknown = false },
            ReadPolicy("""{"threshold":"LOW","confirm_unknown":false,"kind":"ConfirmRisky"}"""));
        Assert.Equal(new ConfirmRisky { Threshold = SecurityRisk.High, ConfirmUnknown = true }, ReadPolicy("""{"kind":"ConfirmRisky"}"""));
        Assert.Throws<JsonException>(() => ReadPolicy("""{"kind":"SometimesConfirm"}"""));
        Assert.Throws<JsonException>(() => ReadPolicy("""{"threshold":"SEVERE","kind":"ConfirmRisky"}"""));
    }

    [Fact]
    public void SecurityAnalyzers_WriteAndReadOpenHandsShapes_OtherKindsAreRefused()
    {
        AssertSameJson("""{"kind":"LLMSecurityAnalyzer"}""", JsonSerializer.Serialize<SecurityAnalyzer>(new LLMSecurityAnalyzer(), DeckhandJson.Compact.SecurityAnalyzer));
        AssertSameJson("""{"kind":"PatternSecurityAnalyzer"}""",
            JsonSerializer.Serialize<SecurityAnalyzer>(new PatternSecurityAnalyzer(), DeckhandJson.Compact.SecurityAnalyzer));
        Assert.IsType<LLMSecurityAnalyzer>(JsonSerializer.Deserialize("""{"kind":"LLMSecurityAnalyzer"}""", DeckhandJson.Wire.SecurityAnalyzer));
        // OpenHands' pattern analyzer carries its pattern lists; Deckhand reads the kind and uses its own rules.
        Assert.IsType<PatternSecurityAnalyzer>(JsonSerializer.Deserialize("""{"high_patterns":[],"kind":"PatternSecurityAnalyzer"}""",
            DeckhandJson.Wire.SecurityAnalyzer));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"kind":"GraySwanAnalyzer"}""", DeckhandJson.Wire.SecurityAnalyzer));
    }

    [Fact]
    public void ConfirmationRequests_RequireTheirFields_AndDefaultTheReason()
    {
        var response = JsonSerializer.Deserialize("""{"accept":false}""", DeckhandJson.Wire.ConfirmationResponseRequest)!;
        Assert.Equal("User rejected the action.", response.Reason);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{}", DeckhandJson.Wire.ConfirmationResponseRequest));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{}", DeckhandJson.Wire.SetSecurityAnalyzerRequest));
        Assert.Null(JsonSerializer.Deserialize("""{"security_analyzer":null}""", DeckhandJson.Wire.SetSecurityAnalyzerRequest)!.SecurityAnalyzer);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{}", DeckhandJson.Wire.SetConfirmationPolicyRequest));
    }

    [Theory]
    [InlineData(SecurityRisk.Unknown, "UNKNOWN")]
    [InlineData(SecurityRisk.Low, "LOW")]
    [InlineData(SecurityRisk.Medium, "MEDIUM")]
    [InlineData(SecurityRisk.High, "HIGH")]
    public void SecurityRisk_UsesUpperCaseStrings(SecurityRisk risk, string wire)
    {
        var json = Policy(new ConfirmRisky { Threshold = risk });

        Assert.Contains($"\"threshold\":\"{wire}\"", json, StringComparison.Ordinal);
        Assert.Equal(risk, ((ConfirmRisky)ReadPolicy(json)).Threshold);
    }

    [Theory]
    [InlineData(ExecutionStatus.Idle, "idle")]
    [InlineData(ExecutionStatus.Running, "running")]
    [InlineData(ExecutionStatus.Paused, "paused")]
    [InlineData(ExecutionStatus.WaitingForConfirmation, "waiting_for_confirmation")]
    [InlineData(ExecutionStatus.Finished, "finished")]
    [InlineData(ExecutionStatus.Error, "error")]
    [InlineData(ExecutionStatus.Stuck, "stuck")]
    [InlineData(ExecutionStatus.Deleting, "deleting")]
    public void ExecutionStatus_UsesSnakeCaseStrings(ExecutionStatus status, string wire)
    {
        Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(status, DeckhandJson.Compact.ExecutionStatus));
        Assert.Equal(status, JsonSerializer.Deserialize($"\"{wire}\"", DeckhandJson.Wire.ExecutionStatus));
        Assert.Equal(wire, status.Wire());
        Assert.True(ExecutionStatusNames.TryParse(wire, out var parsed));
        Assert.Equal(status, parsed);
    }

    [Fact]
    public void ExecutionStatus_UnknownString_Throws()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("\"waiting\"", DeckhandJson.Wire.ExecutionStatus));
        Assert.False(ExecutionStatusNames.TryParse("Running", out _));
    }

    private static string Policy(ConfirmationPolicy policy) => JsonSerializer.Serialize(policy, DeckhandJson.Compact.ConfirmationPolicy);

    private static ConfirmationPolicy ReadPolicy(string json) => JsonSerializer.Deserialize(json, DeckhandJson.Wire.ConfirmationPolicy)!;
}
