using System.Text.Json;
using Deckhand.Contracts.Mcp;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Deckhand.Engine.Tools.Mcp;

/// <summary>Where an MCP server is in its life.</summary>
internal enum McpState
{
    NotStarted,
    Starting,
    Ready,
    Failed,
    Disabled,
    Stopped,
}

/// <summary>
/// One MCP server of a conversation: starts it (a child process for stdio, an HTTP session otherwise), lists its
/// tools, calls them, and ends it. <see cref="StartAsync"/> never throws: a server that cannot start is
/// <see cref="McpState.Failed"/> with a readable <see cref="Error"/>. Thread-safe: calls may run concurrently.
/// </summary>
internal sealed class McpConnection(McpServerSpec spec, string workingDir, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _life = new();
    private Task? _start;
    private McpClient? _client;
    private McpProcess? _process;
    private McpState _state = spec.Enabled ? McpState.NotStarted : McpState.Disabled;
    private string? _error;
    private IReadOnlyList<Tool> _tools = [];

    public McpServerSpec Spec { get; } = spec;

    public McpState State
    {
        get
        {
            lock (_lock)
                return _state;
        }
    }

    public string? Error
    {
        get
        {
            lock (_lock)
                return _error;
        }
    }

    /// <summary>Whether the failure was the start timing out (for the error code reported).</summary>
    public bool TimedOut { get; private set; }

    /// <summary>The tools the server listed when it started.</summary>
    public IReadOnlyList<Tool> Tools
    {
        get
        {
            lock (_lock)
                return _state == McpState.Ready ? _tools : [];
        }
    }

    public int? Pid => _process is { HasExited: false } p ? p.Pid : null;

    /// <summary>
    /// Awaited (outside any lock) when the server goes from starting or ready to failed; the flag says whether it had
    /// been ready (a crash) rather than failing to start.
    /// </summary>
    public Func<McpConnection, bool, Task>? OnFailed { get; set; }

    /// <summary>
    /// Starts the server and lists its tools, within <paramref name="timeout"/>. The first call starts it; later calls
    /// return the same task. Disposing the connection cancels a start in progress.
    /// </summary>
    public Task StartAsync(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_state != McpState.NotStarted)
                return _start ?? Task.CompletedTask;
            _state = McpState.Starting;
            _start = Task.Run(() => RunStartAsync(timeout));
            return _start;
        }
    }

    private async Task RunStartAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_life.Token);
        deadline.CancelAfter(timeout);
        try
        {
            if (Spec.Unsupported is { } unsupported)
                throw new McpStartException(unsupported);
            var client = await McpClient.CreateAsync(Transport(timeout), new McpClientOptions
            {
                ClientInfo = new Implementation { Name = "deckhand", Version = typeof(McpConnection).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
                InitializationTimeout = timeout,
            }, loggerFactory, deadline.Token);
            lock (_lock)
                _client = client;
            var listed = await client.ListToolsAsync(cancellationToken: deadline.Token);
            lock (_lock)
            {
                if (_state != McpState.Starting)
                    return; // stopped meanwhile; DisposeAsync cleans up
                _tools = [.. listed.Select(t => t.ProtocolTool)];
                _state = McpState.Ready;
            }
        }
        catch (OperationCanceledException) when (_life.IsCancellationRequested)
        {
            await StopAsync(McpState.Stopped, null);
        }
        catch (OperationCanceledException)
        {
            TimedOut = true;
            await StopAsync(McpState.Failed, $"it did not answer within {Seconds(timeout)} seconds{ProcessNote()}.");
        }
        catch (Exception ex)
        {
            await StopAsync(McpState.Failed, await DescribeAsync(ex));
        }
    }

    /// <summary>Calls a tool. Throws <see cref="McpUnavailableException"/> when the server is gone.</summary>
    public async Task<CallToolResult> CallAsync(string tool, JsonElement arguments, CancellationToken cancellationToken)
    {
        McpClient client;
        lock (_lock)
        {
            if (_state != McpState.Ready || _client is null)
                throw new McpUnavailableException($"MCP server '{Spec.Name}' is not running{(_error is null ? "" : ": " + _error)}");
            client = _client;
        }
        var args = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in arguments.EnumerateObject())
            args[property.Name] = property.Value.Clone();
        try
        {
            return await client.CallToolAsync(new CallToolRequestParams { Name = tool, Arguments = args }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _process is { HasExited: true })
        {
            // The server died under the call: it stays down, and its tools are no longer offered.
            var why = await DescribeAsync(ex);
            await StopAsync(McpState.Failed, why);
            throw new McpUnavailableException($"MCP server '{Spec.Name}' stopped: {why}");
        }
    }

    public McpServerStatus Status(IReadOnlyList<McpToolInfo> offered, string? note) => new()
    {
        Name = Spec.Name,
        Transport = Spec.TransportName,
        Status = State switch
        {
            McpState.NotStarted => "not_started",
            McpState.Starting => "starting",
            McpState.Ready => "ready",
            McpState.Failed => "failed",
            McpState.Disabled => "disabled",
            _ => "stopped",
        },
        Error = Error ?? note,
        Pid = Pid,
        Tools = offered,
    };

    /// <summary>Ends the server: cancels a start in progress, closes the session, kills the process group.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? start;
        lock (_lock)
            start = _start;
        await _life.CancelAsync();
        if (start is not null)
            await start.WaitAsync(DisposeWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await StopAsync(McpState.Stopped, null);
    }

    private IClientTransport Transport(TimeSpan timeout)
    {
        if (Spec.Transport == McpTransport.Stdio)
        {
            var process = McpProcess.Start(Spec, workingDir);
            lock (_lock)
                _process = process;
            // Disposed while the process was starting: the handshake below is cancelled at once and the catch ends it.
            return new StreamClientTransport(process.Input, process.Output, loggerFactory);
        }
        return new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Spec.Url!,
            Name = Spec.Name,
            TransportMode = Spec.Transport switch
            {
                McpTransport.Http => HttpTransportMode.StreamableHttp,
                McpTransport.Sse => HttpTransportMode.Sse,
                _ => HttpTransportMode.AutoDetect,
            },
            AdditionalHeaders = new Dictionary<string, string>(Spec.Headers),
            ConnectionTimeout = timeout,
        }, loggerFactory);
    }

    /// <summary>Closes the session and ends the process; records why, when it is a failure.</summary>
    private async Task StopAsync(McpState final, string? error)
    {
        McpClient? client;
        McpProcess? process;
        bool failedNow;
        bool wasReady;
        lock (_lock)
        {
            failedNow = final == McpState.Failed && _state is McpState.Starting or McpState.Ready;
            wasReady = _state == McpState.Ready;
            if (_state is McpState.Starting or McpState.Ready or McpState.NotStarted)
                _state = final;
            if (error is not null && _error is null)
                _error = error;
            client = _client;
            process = _process;
            _client = null;
        }
        if (client is not null)
        {
            // Closing stdin lets a stdio server exit on its own; a stuck one is killed below.
            await client.DisposeAsync().AsTask().WaitAsync(DisposeWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        process?.Stop();
        if (failedNow && OnFailed is { } onFailed)
            await onFailed(this, wasReady);
    }

    private async Task<string> DescribeAsync(Exception ex)
    {
        if (ex is McpStartException)
            return ex.Message;
        // A stdio server that closed the connection has usually exited: let it finish, so its stderr explains why.
        if (_process is { } process)
            await process.WaitForExitAsync(TimeSpan.FromSeconds(1));
        var message = ex is HttpRequestException http
            ? $"could not reach {Spec.Url}: {http.Message}"
            : ex.Message.TrimEnd('.');
        return message + ProcessNote() + ".";
    }

    private string ProcessNote() => _process?.ExitDescription() is { } exit ? $" ({exit})" : "";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A tool was called on a server that is not running.</summary>
internal sealed class McpUnavailableException(string message) : Exception(message);
