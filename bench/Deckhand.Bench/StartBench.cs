using System.Diagnostics;
using Deckhand.Client;

namespace Deckhand.Bench;

/// <summary>
/// Conversation start: POST create with an initial message (the run starts at once), then a new WebSocket with
/// <c>resend_mode=all</c>. The scripted LLM answers think, think, finish, so the same loop also times a warm 3-step task.
/// </summary>
internal static class StartBench
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<List<Row>> RunAsync(bool quick)
    {
        var runs = quick ? 8 : 40;
        await using var llm = await LlmScript.StartAsync();
        await using var server = await InProcessServer.StartAsync();
        llm.ThinkCalls = 2;

        var post = new List<double>();
        var firstEvent = new List<double>();
        var firstAction = new List<double>();
        var done = new List<double>();
        for (var i = -5; i < runs; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var (info, _) = await server.Client.CreateConversationAsync(server.Conversation(llm.BaseUrl, "go"));
            var t1 = Stopwatch.GetTimestamp();
            await using var socket = await server.Client.ConnectEventsAsync(info.Id, new EventSocketOptions { ResendAll = true });
            using var timeout = new CancellationTokenSource(Timeout);
            long? first = null, action = null, finished = null;
            while (finished is null && await socket.ReadTextAsync(timeout.Token) is { } frame)
            {
                var now = Stopwatch.GetTimestamp();
                first ??= now;
                if (action is null && frame.Contains("\"kind\":\"ActionEvent\"", StringComparison.Ordinal))
                    action = now;
                if (frame.Contains(SocketReader.FinishMarker, StringComparison.Ordinal))
                    finished = now;
            }
            if (first is null || action is null || finished is null)
                throw new InvalidOperationException($"Conversation {info.Id}: the socket closed before the run finished.");
            if (i < 0)
                continue; // warm-up
            post.Add(Stats.Ms(t0, t1));
            firstEvent.Add(Stats.Ms(t1, first.Value));
            firstAction.Add(Stats.Ms(t0, action.Value));
            done.Add(Stats.Ms(t0, finished.Value));
        }

        return
        [
            Row.Of("POST /api/conversations with initial_message (response time)", "ms", post),
            Row.Of("POST returned → first event on a new WebSocket (resend_mode=all)", "ms", firstEvent),
            Row.Of("POST sent → first agent ActionEvent on that socket", "ms", firstAction),
            Row.Of("warm 3-step task (think, think, finish), POST sent → finish seen on socket", "ms", done)
                .AtMost(25, "≤ 25 ms") with { Note = "peers ran shell + file write + finish; this uses think only" },
        ];
    }
}
