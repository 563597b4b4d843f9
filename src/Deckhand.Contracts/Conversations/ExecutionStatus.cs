using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Conversations;

[JsonConverter(typeof(JsonStringEnumConverter<ExecutionStatus>))]
public enum ExecutionStatus
{
    [JsonStringEnumMemberName("idle")] Idle,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("paused")] Paused,
    [JsonStringEnumMemberName("waiting_for_confirmation")] WaitingForConfirmation,
    [JsonStringEnumMemberName("finished")] Finished,
    [JsonStringEnumMemberName("error")] Error,
    [JsonStringEnumMemberName("stuck")] Stuck,
    [JsonStringEnumMemberName("deleting")] Deleting,
}

public static class ExecutionStatusNames
{
    public static string Wire(this ExecutionStatus status) => status switch
    {
        ExecutionStatus.Idle => "idle",
        ExecutionStatus.Running => "running",
        ExecutionStatus.Paused => "paused",
        ExecutionStatus.WaitingForConfirmation => "waiting_for_confirmation",
        ExecutionStatus.Finished => "finished",
        ExecutionStatus.Error => "error",
        ExecutionStatus.Stuck => "stuck",
        ExecutionStatus.Deleting => "deleting",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? value, out ExecutionStatus status)
    {
        foreach (var candidate in Enum.GetValues<ExecutionStatus>())
        {
            if (candidate.Wire() == value)
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }
}
