using System.Text.Json.Serialization;

namespace Deckhand.AppServer.Sandboxes.Processes;

/// <summary>What the registry keeps for a process sandbox: the process (pid + start time, so a reused pid is never
/// mistaken for it) and its directory.</summary>
public sealed record ProcessRuntime(int Pid, long StartTime, string Directory);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ProcessRuntime))]
internal sealed partial class ProcessRuntimeJson : JsonSerializerContext;
