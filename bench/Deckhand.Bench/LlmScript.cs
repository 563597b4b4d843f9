using System.Diagnostics;
using System.Text.Json;
using Deckhand.Testing.Llm;

namespace Deckhand.Bench;

/// <summary>
/// Drives the scripted LLM: each answer calls <c>think</c> (<see cref="CallsPerReply"/> times in parallel) until the
/// conversation holds <see cref="ThinkCalls"/> tool results, then calls <c>finish</c>. Stateless per conversation (it
/// counts the <c>tool</c> messages of the request), so concurrent conversations each get the same script.
/// While <see cref="Recording"/>, the arrival time of every request is kept.
/// </summary>
internal sealed class LlmScript : IAsyncDisposable
{
    private static readonly ScriptedReply Finish = ScriptedReply.ToolCall("finish", """{"message":"done"}""");
    private readonly Lock _gate = new();
    private readonly Dictionary<int, ScriptedReply> _thinkReplies = [];
    private readonly List<long> _arrivals = [];
    private readonly List<string> _bodies = [];

    private LlmScript(ScriptedLlmServer server)
    {
        Server = server;
        server.Responder = Answer;
    }

    public ScriptedLlmServer Server { get; }

    public Uri BaseUrl => Server.BaseUrl;

    public int ThinkCalls { get; set; } = 1;

    public int CallsPerReply { get; set; } = 1;

    public bool Recording { get; set; }

    /// <summary>
    /// When set, replaces the think script: given the number of tool results in the request, the reply to send
    /// (null falls back to think/finish as above).
    /// </summary>
    public Func<int, ScriptedReply?>? Script { get; set; }

    public static async Task<LlmScript> StartAsync() => new(await ScriptedLlmServer.StartAsync());

    /// <summary>Stopwatch timestamps and raw bodies of the requests that arrived while recording; clears both.</summary>
    public (long[] Arrivals, string[] Bodies) TakeRecording()
    {
        lock (_gate)
        {
            var recording = (_arrivals.ToArray(), _bodies.ToArray());
            _arrivals.Clear();
            _bodies.Clear();
            return recording;
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private ScriptedReply Answer(ScriptedRequest request)
    {
        var now = Stopwatch.GetTimestamp();
        if (Recording)
        {
            lock (_gate)
            {
                _arrivals.Add(now);
                _bodies.Add(request.Body);
            }
        }
        var done = request.Messages.Count(m =>
            m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.ValueEquals("tool"u8));
        if (Script?.Invoke(done) is { } scripted)
            return scripted;
        var remaining = ThinkCalls - done;
        return remaining <= 0 ? Finish : ThinkReply(Math.Min(CallsPerReply, remaining));
    }

    private ScriptedReply ThinkReply(int calls)
    {
        lock (_gate)
        {
            if (!_thinkReplies.TryGetValue(calls, out var reply))
            {
                reply = ScriptedReply.ToolCalls(Enumerable.Range(0, calls)
                    .Select(i => new ScriptedToolCall("think", $$"""{"thought":"step {{i}}: nothing to do but think"}""")));
                _thinkReplies[calls] = reply;
            }
            return reply;
        }
    }
}
