using System.Diagnostics;
using System.Net.Http.Headers;
using Deckhand.Contracts.Conversations;

namespace Deckhand.Bench;

/// <summary>
/// Step cost: one conversation of <c>steps</c> LLM calls (think, think, ..., finish) against a scripted LLM that answers
/// at once, with one WebSocket subscriber attached. The gap of step N is the time between the scripted server's
/// responder seeing request N and request N+1: it covers writing reply N, Deckhand parsing it, committing the events,
/// broadcasting them and building and sending request N+1, and the scripted server reading and parsing that request.
/// The same request bodies are then posted to the scripted LLM from a plain HttpClient as the baseline.
/// </summary>
internal static class StepsBench
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    public static async Task<List<Row>> RunAsync(bool quick)
    {
        var steps = quick ? 50 : 200;
        await using var llm = await LlmScript.StartAsync();
        await using var server = await InProcessServer.StartAsync();

        for (var i = 0; i < (quick ? 2 : 5); i++)
            await RunConversationAsync(server, llm, 40);
        llm.Recording = true;
        var wallMs = await RunConversationAsync(server, llm, steps);
        llm.Recording = false;
        var (arrivals, bodies) = llm.TakeRecording();
        if (arrivals.Length != steps)
            throw new InvalidOperationException($"Expected {steps} LLM requests, saw {arrivals.Length}.");

        var gaps = new double[steps - 1];
        for (var i = 0; i < gaps.Length; i++)
            gaps[i] = Stats.Ms(arrivals[i], arrivals[i + 1]);
        var baseline = await BaselineAsync(llm.BaseUrl, bodies, quick ? 10 : 40);
        // Request N+1 of the gap is the body the baseline posted at index N+1: the difference estimates Deckhand's own work.
        var own = gaps.Select((gap, i) => gap - baseline[i + 1]).ToArray();

        var gapRow = Row.Of($"step gap, LLM response N → request N+1 ({steps}-step run, 1 WS subscriber)", "ms", gaps).AtMost(5, "≤ 5 ms");
        var baseRow = Row.Of("baseline: same bodies POSTed to the scripted LLM by a plain HttpClient (round trip)", "ms", baseline);
        return
        [
            gapRow,
            baseRow,
            new Row("ratio gap / baseline (medians)", "×", 1, gapRow.Median / baseRow.Median),
            Row.Of("gap − baseline of the same request (Deckhand's own work, estimate)", "ms", own),
            Row.Of($"step gap, first quarter of the run (steps 1–{gaps.Length / 4})", "ms", gaps[..(gaps.Length / 4)]),
            Row.Of($"step gap, last quarter of the run (history of {steps * 3 / 2}+ messages)", "ms", gaps[^(gaps.Length / 4)..]),
            new Row($"whole {steps}-step run, message sent → finish seen on socket", "ms", 1, wallMs)
            {
                Note = $"{steps * 1000 / wallMs:0} steps/s; last request body {bodies[^1].Length / 1024} KiB",
            },
        ];
    }

    /// <summary>Runs one conversation of <paramref name="steps"/> LLM calls; returns send → finish seen on the socket, in ms.</summary>
    private static async Task<double> RunConversationAsync(InProcessServer server, LlmScript llm, int steps)
    {
        llm.ThinkCalls = steps - 1;
        var (info, _) = await server.Client.CreateConversationAsync(server.Conversation(llm.BaseUrl, initialMessage: null));
        await using var reader = await SocketReader.ConnectAsync(server.Client, info.Id);
        var start = Stopwatch.GetTimestamp();
        await server.Client.SendMessageAsync(info.Id, "go", run: true);
        var finished = await reader.Finished.WaitAsync(RunTimeout);
        await server.WaitForStatusAsync(info.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(10));
        return Stats.Ms(start, finished);
    }

    /// <summary>Round trip of each body through a fresh HttpClient, after <paramref name="warmup"/> unmeasured posts.</summary>
    private static async Task<double[]> BaselineAsync(Uri llm, string[] bodies, int warmup)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(llm.ToString().TrimEnd('/') + "/chat/completions");
        for (var i = 0; i < warmup; i++)
            await PostAsync(http, url, bodies[i % bodies.Length]);
        var result = new double[bodies.Length];
        for (var i = 0; i < bodies.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await PostAsync(http, url, bodies[i]);
            result[i] = Stats.MsSince(start);
        }
        return result;
    }

    private static async Task PostAsync(HttpClient http, Uri url, string body)
    {
        using var content = new StringContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(url, content);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }
}
