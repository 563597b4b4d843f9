using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;

namespace Deckhand.Bench;

/// <summary>
/// A conversation with many events, built through the public API: each scripted answer calls <c>think</c> many times in
/// parallel (an ActionEvent and an ObservationEvent per call), which keeps the number of LLM round trips, and so the
/// quadratic growth of request bodies, small. Then a new WebSocket replays it all, and event search pages are timed.
/// </summary>
internal static class ReplayBench
{
    public static async Task<List<Row>> RunAsync(bool quick)
    {
        var thinkCalls = quick ? 5_000 : 50_000;
        await using var llm = await LlmScript.StartAsync();
        await using var server = await InProcessServer.StartAsync();
        llm.ThinkCalls = thinkCalls;
        llm.CallsPerReply = quick ? 250 : 1_000;

        var build = Stopwatch.GetTimestamp();
        var (info, _) = await server.Client.CreateConversationAsync(server.Conversation(llm.BaseUrl, "go"));
        await server.WaitForStatusAsync(info.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(quick ? 60 : 300));
        var buildSeconds = Stats.MsSince(build) / 1000;
        var count = long.Parse(await server.Http.GetStringAsync($"api/conversations/{info.Id}/events/count"), CultureInfo.InvariantCulture);

        var raw = new List<double>();
        var typed = new List<double>();
        for (var i = 0; i < (quick ? 2 : 4); i++)
        {
            var rawMs = await RawReplayAsync(server.Http.BaseAddress!, info.Id, count);
            var typedMs = await ReplayAsync(server.Client, info.Id, count);
            if (i == 0)
                continue; // the first replay warms the page cache and the JIT
            raw.Add(rawMs);
            typed.Add(typedMs);
        }

        var ascending = await SearchAsync(server.Http, info.Id, "?limit=100", quick ? 20 : 100);
        var descending = await SearchAsync(server.Http, info.Id, "?limit=100&sort_order=TIMESTAMP_DESC", quick ? 20 : 100);
        var deepPage = await DeepPageIdAsync(server.Client, info.Id, pages: quick ? 10 : 100);
        var deep = await SearchAsync(server.Http, info.Id, $"?limit=100&page_id={Uri.EscapeDataString(deepPage.Id)}", quick ? 20 : 100);
        var perEvent = Stats.Median(raw) / count * 100_000;
        return
        [
            Row.Of($"replay {count:N0} events to a new WebSocket (resend_mode=all), connect → last event, raw ClientWebSocket", "ms", raw)
                with { Target = "≤ 1 s for 100k", Met = perEvent <= 1000, Note = $"≈ {perEvent:0} ms per 100k events; built in {buildSeconds:0.0} s via {thinkCalls / llm.CallsPerReply + 1} LLM calls" },
            Row.Of("same replay read through Deckhand.Client EventSocket.ReadTextAsync", "ms", typed),
            Row.Of("event search, first page (limit=100)", "ms", ascending).AtMost(5, "≤ 5 ms"),
            Row.Of("event search, first page descending (limit=100, TIMESTAMP_DESC)", "ms", descending).AtMost(5, "≤ 5 ms"),
            Row.Of($"event search, page {deepPage.Index + 1} via page_id (limit=100)", "ms", deep).AtMost(5, "≤ 5 ms"),
        ];
    }

    /// <summary>Connect → the last of <paramref name="count"/> replayed events (after the full-state frame), in ms.</summary>
    private static async Task<double> ReplayAsync(AgentServerClient client, Guid id, long count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var start = Stopwatch.GetTimestamp();
        await using var socket = await client.ConnectEventsAsync(id, new EventSocketOptions { ResendAll = true }, timeout.Token);
        long frames = 0;
        while (frames < count + 1 && await socket.ReadTextAsync(timeout.Token) is not null)
            frames++;
        if (frames < count + 1)
            throw new InvalidOperationException($"Replay stopped after {frames} of {count + 1} frames.");
        return Stats.MsSince(start);
    }

    /// <summary>The same replay with one reused receive buffer, so the client's own allocations stay out of the figure.</summary>
    private static async Task<double> RawReplayAsync(Uri baseAddress, Guid id, long count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var start = Stopwatch.GetTimestamp();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{baseAddress.Authority}/sockets/events/{id}?resend_mode=all"), timeout.Token);
        var buffer = new byte[64 * 1024];
        long frames = 0;
        while (frames < count + 1)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
                throw new InvalidOperationException($"Replay stopped after {frames} of {count + 1} frames.");
            if (result.EndOfMessage)
                frames++;
        }
        var elapsed = Stats.MsSince(start);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
        return elapsed;
    }

    private static async Task<double[]> SearchAsync(HttpClient http, Guid id, string query, int times)
    {
        var url = $"api/conversations/{id}/events/search{query}";
        for (var i = 0; i < 10; i++)
            await http.GetStringAsync(url);
        var result = new double[times];
        for (var i = 0; i < times; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await http.GetStringAsync(url);
            result[i] = Stats.MsSince(start);
        }
        return result;
    }

    private static async Task<(string Id, int Index)> DeepPageIdAsync(AgentServerClient client, Guid id, int pages)
    {
        string? pageId = null;
        var index = 0;
        for (; index < pages; index++)
        {
            var page = await client.SearchEventsAsync(id, pageId is null ? "?limit=100" : $"?limit=100&page_id={Uri.EscapeDataString(pageId)}");
            if (page.NextPageId is null)
                break;
            pageId = page.NextPageId;
        }
        return (pageId ?? throw new InvalidOperationException("The conversation has a single page of events."), index);
    }
}
