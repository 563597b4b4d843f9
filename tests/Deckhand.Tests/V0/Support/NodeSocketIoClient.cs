using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Deckhand.Tests.V0.Support;

/// <summary>
/// The real npm <c>socket.io-client</c> (tests/socketio-client, installed by test.sh) in a node child process, driven
/// over stdin/stdout JSON lines.
/// </summary>
public sealed class NodeSocketIoClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonObject> _lines = Channel.CreateUnbounded<JsonObject>();
    private readonly List<JsonObject> _seen = [];
    private readonly Task _pump;
    private readonly System.Text.StringBuilder _stderr = new();

    private NodeSocketIoClient(Process process)
    {
        _process = process;
        _pump = Task.Run(PumpAsync);
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
                _stderr.AppendLine(e.Data);
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>Every line read so far, in order.</summary>
    public IReadOnlyList<JsonObject> Seen
    {
        get
        {
            lock (_seen)
                return [.. _seen];
        }
    }

    /// <summary>Connects to <paramref name="baseUrl"/> with the websocket transport and the given handshake query.</summary>
    public static async Task<NodeSocketIoClient> ConnectAsync(Uri baseUrl, IReadOnlyDictionary<string, string>? query = null)
    {
        var dir = ClientDirectory();
        var options = new JsonObject { ["path"] = "/socket.io", ["transports"] = new JsonArray("websocket") };
        if (query is not null)
            options["query"] = new JsonObject(query.Select(q => KeyValuePair.Create(q.Key, (JsonNode?)q.Value)));
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        info.ArgumentList.Add(Path.Combine(dir, "client.mjs"));
        info.ArgumentList.Add(baseUrl.ToString().TrimEnd('/'));
        info.ArgumentList.Add(options.ToJsonString());
        var client = new NodeSocketIoClient(Process.Start(info)!);
        await client.WaitForAsync(l => Type(l) == "ready", "the node client to start");
        return client;
    }

    public Task EmitAsync(string eventName, JsonNode? argument) =>
        SendAsync(new JsonObject { ["op"] = "emit", ["event"] = eventName, ["args"] = new JsonArray(argument) });

    public Task DisconnectAsync() => SendAsync(new JsonObject { ["op"] = "disconnect" });

    /// <summary>Waits for the next line (after those already returned by earlier waits) matching <paramref name="match"/>.</summary>
    public async Task<JsonObject> WaitForAsync(Func<JsonObject, bool> match, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(deadline.Token);
                if (match(line))
                    return line;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            string stderr;
            lock (_stderr)
                stderr = _stderr.ToString();
            throw new TimeoutException($"Timed out waiting for {what}. Seen: {string.Join(" | ", Seen.Select(s => s.ToJsonString()))} stderr: {stderr}");
        }
    }

    public Task<JsonObject> WaitForEventAsync(string name, TimeSpan? timeout = null) =>
        WaitForAsync(l => Type(l) == "event" && (string?)l["name"] == name, $"event '{name}'", timeout);

    public static string? Type(JsonObject line) => (string?)line["type"];

    private async Task SendAsync(JsonObject command)
    {
        await _process.StandardInput.WriteLineAsync(command.ToJsonString());
        await _process.StandardInput.FlushAsync();
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } text)
        {
            if (JsonNode.Parse(text) is not JsonObject line)
                continue;
            lock (_seen)
                _seen.Add(line);
            _lines.Writer.TryWrite(line);
        }
        _lines.Writer.TryComplete();
    }

    /// <summary>tests/socketio-client, found by walking up from the test binaries.</summary>
    private static string ClientDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "socketio-client");
            if (File.Exists(Path.Combine(candidate, "client.mjs")))
            {
                if (!Directory.Exists(Path.Combine(candidate, "node_modules", "socket.io-client")))
                    throw new InvalidOperationException($"socket.io-client is not installed: run `npm ci` in {candidate} (./test.sh does it).");
                return candidate;
            }
        }
        throw new InvalidOperationException("tests/socketio-client not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await SendAsync(new JsonObject { ["op"] = "exit" });
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process.Dispose();
    }
}
