using System.Text.Json;
using Deckhand.Contracts.Tools;

namespace Deckhand.Engine.Tools;

/// <summary>
/// A tool the agent can call. Names and parameter shapes follow OpenHands' tool schemas (the contract with models
/// trained on OpenHands trajectories); descriptions are Deckhand's own.
/// </summary>
public interface ITool
{
    /// <summary>Registry and function name, e.g. <c>finish</c>.</summary>
    string Name { get; }

    /// <summary>How the tool is listed in the system-prompt event.</summary>
    ToolDefinition Definition { get; }

    /// <summary>JSON schema of the parameters, before Deckhand adds <c>security_risk</c> and <c>summary</c>.</summary>
    JsonElement Parameters { get; }

    /// <summary>Validates the model's arguments into an action; throws <see cref="ToolArgumentException"/> when they are wrong.</summary>
    ToolAction Parse(JsonElement arguments);

    Task<ToolObservation> ExecuteAsync(ToolAction action, ToolContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Calls with the same key never run at the same time when the agent runs tool calls concurrently. By default a
    /// tool runs one call at a time; a tool whose calls are independent (per file, say) returns a finer key.
    /// </summary>
    string ConcurrencyKey(ToolAction action) => "tool:" + Name;
}

/// <summary>
/// Where a tool runs: the conversation, its workspace (<see cref="WorkingDir"/>) and its private data folder
/// (<see cref="PersistenceDir"/>, for task lists and full terminal output). Tools that hold resources (a shell)
/// implement <see cref="IAsyncDisposable"/>; they are disposed when the conversation is unloaded or deleted.
/// </summary>
/// <remarks><see cref="Secrets"/> (null in tool tests) gives the terminal the secrets to export and mask.</remarks>
public sealed record ToolContext(Guid ConversationId, string WorkingDir, string PersistenceDir, Isolation.IShellIsolation Isolation,
    Secrets.ConversationSecrets? Secrets = null)
{
    /// <summary>Where the terminal saves full outputs it had to cut for the model (readable by the agent).</summary>
    public string TerminalOutputDir => Path.Combine(PersistenceDir, "terminal");
}

/// <summary>Arguments the model can correct; the message goes back to it.</summary>
public sealed class ToolArgumentException(string message) : Exception(message);

/// <summary>A tool with a slow start (a shell) that can begin it early, while the agent waits for the model.</summary>
public interface IPrewarm
{
    /// <summary>Starts in the background if not started yet; never throws.</summary>
    void Prewarm();
}
