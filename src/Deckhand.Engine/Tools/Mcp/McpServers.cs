using System.Text.RegularExpressions;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Mcp;
using Deckhand.Engine.Conversations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deckhand.Engine.Tools.Mcp;

/// <summary>
/// The MCP servers of one conversation (<c>agent.mcp_config</c>). They start together, in the background, as soon as
/// the conversation is created or first runs; the agent waits for them (each bounded by the start timeout) only
/// before its next LLM call, so the model sees their tools from its first turn. A server that fails is reported once
/// in the conversation as a <c>ConversationErrorEvent</c> (code <c>MCPError</c> or <c>MCPTimeoutError</c>) that does
/// not end the run, and the agent goes on without its tools. Owned by the conversation's agent; disposing it ends
/// every server process.
/// </summary>
internal sealed partial class McpServers : IAsyncDisposable
{
    private static readonly ErrorClassification ConfigError = new() { Kind = "config", UserAction = "settings" };

    private readonly McpConnection[] _connections;
    private readonly EngineOptions _options;
    private readonly ILogger _logger;
    private readonly Guid _conversationId;
    private readonly Lock _lock = new();
    private readonly Dictionary<McpConnection, List<McpTool>> _toolsByServer = [];
    private readonly Dictionary<McpConnection, string> _notes = [];
    private HashSet<string> _reserved = new(StringComparer.Ordinal);
    private Func<IReadOnlyList<Event>, Task>? _report;
    private Task _started = Task.CompletedTask;
    private bool _starting;
    private McpState[] _builtFor = [];
    private IReadOnlyList<ITool> _tools = [];

    private McpServers(IEnumerable<McpServerSpec> specs, Guid conversationId, string workingDir, EngineOptions options, ILogger? logger)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _conversationId = conversationId;
        _connections = [.. specs.Select(s => new McpConnection(s, workingDir, NullLoggerFactory.Instance) { OnFailed = ReportAsync })];
    }

    /// <summary>The servers of a conversation, or null when its agent has none (invalid entries were refused at create).</summary>
    public static McpServers? For(ConversationState state, EngineOptions options, ILogger? logger)
    {
        var (specs, _) = McpServerSpec.ParseAll(state.Agent.McpConfig);
        return specs.Count == 0 ? null : new McpServers(specs, state.Id, state.Workspace.WorkingDir, options, logger);
    }

    /// <summary>
    /// Starts every enabled server (once; later calls do nothing). <paramref name="reserved"/> are the names of the
    /// agent's own tools, which MCP tools may not take; <paramref name="report"/> records failures in the conversation.
    /// </summary>
    public void Start(IEnumerable<string> reserved, Func<IReadOnlyList<Event>, Task> report)
    {
        lock (_lock)
        {
            if (_starting)
                return;
            _starting = true;
            _reserved = new HashSet<string>(reserved, StringComparer.Ordinal);
            _report = report;
            _started = Task.WhenAll(_connections.Select(c => c.StartAsync(_options.McpStartTimeout)));
        }
    }

    /// <summary>Waits until every server is ready or has failed (each within its start timeout).</summary>
    public Task WaitStartedAsync(CancellationToken cancellationToken)
    {
        Task started;
        lock (_lock)
            started = _started;
        return started.WaitAsync(cancellationToken);
    }

    /// <summary>The tools of the servers that are ready, in config order; the list changes only when a server's state does.</summary>
    public IReadOnlyList<ITool> Tools
    {
        get
        {
            lock (_lock)
            {
                var states = _connections.Select(c => c.State).ToArray();
                if (!states.SequenceEqual(_builtFor))
                {
                    _builtFor = states;
                    _tools = Build();
                }
                return _tools;
            }
        }
    }

    public McpServersStatus Status()
    {
        var tools = Tools;
        lock (_lock)
        {
            return new McpServersStatus([.. _connections.Select(c => c.Status(
                [.. tools.OfType<McpTool>().Where(t => t.ServerName == c.Spec.Name).Select(t => new McpToolInfo(t.Name, t.Definition.Description))],
                _notes.GetValueOrDefault(c)))]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_connections.Select(c => c.DisposeAsync().AsTask()));
    }

    /// <summary>Rebuilds the offered tools: names must suit every LLM API and be unique among all the agent's tools.</summary>
    private List<ITool> Build()
    {
        var taken = new HashSet<string>(_reserved, StringComparer.Ordinal);
        var tools = new List<ITool>();
        foreach (var connection in _connections)
        {
            if (connection.State != McpState.Ready)
                continue;
            var first = !_toolsByServer.TryGetValue(connection, out var own);
            if (own is null)
            {
                var timeout = connection.Spec.CallTimeout ?? _options.McpCallTimeout;
                own = [.. connection.Tools.Select(t => new McpTool(connection, t, timeout))];
                _toolsByServer[connection] = own;
            }
            var skipped = new List<string>();
            foreach (var tool in own)
            {
                if (!FunctionName().IsMatch(tool.Name))
                    skipped.Add($"'{tool.Name}' (LLM APIs accept only letters, digits, '_' and '-', up to 64 characters)");
                else if (!taken.Add(tool.Name))
                    skipped.Add($"'{tool.Name}' (another tool already has this name)");
                else
                    tools.Add(tool);
            }
            if (skipped.Count > 0)
                _notes[connection] = "Not offered to the model: " + string.Join("; ", skipped) + ".";
            if (first)
                Log.Ready(_logger, connection.Spec.Name, _conversationId, own.Count - skipped.Count);
        }
        return tools;
    }

    private async Task ReportAsync(McpConnection connection, bool wasReady)
    {
        var name = connection.Spec.Name;
        Log.Failed(_logger, name, _conversationId, wasReady ? "stopped" : connection.TimedOut ? "timed out starting" : "failed to start");
        Func<IReadOnlyList<Event>, Task>? report;
        lock (_lock)
            report = _report;
        if (report is null)
            return;
        var detail = wasReady
            ? $"MCP server '{name}' stopped: {connection.Error} Its tools are no longer offered to the agent."
            : $"MCP server '{name}' failed to start: {connection.Error} The agent continues without its tools; "
              + "fix agent.mcp_config and start a new conversation to use them.";
        try
        {
            await report([new ConversationErrorEvent
            {
                Code = connection.TimedOut ? "MCPTimeoutError" : "MCPError",
                Detail = detail,
                Classification = ConfigError,
            }]);
        }
        catch (Exception ex) when (ex is ConversationUnloadedException or ObjectDisposedException or InvalidOperationException)
        {
            // The conversation was unloaded or deleted meanwhile; the status route still tells.
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "MCP server {Server} of conversation {ConversationId} is ready with {Tools} tool(s).")]
        public static partial void Ready(ILogger logger, string server, Guid conversationId, int tools);

        [LoggerMessage(2, LogLevel.Warning, "MCP server {Server} of conversation {ConversationId} {What}; see GET /api/conversations/{ConversationId}/mcp.")]
        public static partial void Failed(ILogger logger, string server, Guid conversationId, string what);
    }
}
