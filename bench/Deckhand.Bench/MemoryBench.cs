using System.Diagnostics;
using Deckhand.Client;

namespace Deckhand.Bench;

/// <summary>
/// Whole-process figures of the real executable: cold start (process spawn → <c>/ready</c> 200) and resident memory,
/// idle and with many idle conversations loaded (created without an initial message, then read back).
/// </summary>
internal static class MemoryBench
{
    private static readonly Uri UnusedLlm = new("http://127.0.0.1:9/v1");

    public static async Task<List<Row>> RunAsync(bool quick)
    {
        var (ready, listening) = await ColdStartsAsync(quick ? 3 : 5);
        var rows = new List<Row>
        {
            Row.Of("cold start: spawn `dotnet deckhand.dll agent-server` → GET /ready 200", "ms", ready).AtMost(300, "≤ 300 ms"),
            Row.Of("cold start: spawn → \"listening on\" printed", "ms", listening),
        };
        rows.AddRange(await LoadedConversationsAsync(quick ? 50 : 100, quick ? 100 : 400));
        return rows;
    }

    private static async Task<(List<double> Ready, List<double> Listening)> ColdStartsAsync(int runs)
    {
        var ready = new List<double>();
        var listening = new List<double>();
        for (var i = -1; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var child = ChildServer.Start();
            var readyAt = await child.WaitReadyAsync(TimeSpan.FromSeconds(30));
            var listeningAt = await child.Listening.WaitAsync(TimeSpan.FromSeconds(5));
            if (i < 0)
                continue; // the first spawn warms the disk cache
            ready.Add(Stats.Ms(start, readyAt));
            listening.Add(Stats.Ms(start, listeningAt));
        }
        return (ready, listening);
    }

    /// <summary>RSS idle, after a warm-up of 10 conversations, after <paramref name="first"/> more and after <paramref name="more"/> more.</summary>
    private static async Task<List<Row>> LoadedConversationsAsync(int first, int more)
    {
        using var child = ChildServer.Start();
        await child.WaitReadyAsync(TimeSpan.FromSeconds(30));
        var idle = child.RssMb;
        using var http = new HttpClient { BaseAddress = child.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var client = new AgentServerClient(http);
        var work = Directory.CreateTempSubdirectory("deckhand-bench-work-").FullName;
        try
        {
            var ids = new List<Guid>();
            await AddConversationsAsync(client, work, ids, 10);
            var warm = await SettledRssAsync(child);
            await AddConversationsAsync(client, work, ids, first);
            var afterFirst = await SettledRssAsync(child);
            await AddConversationsAsync(client, work, ids, more);
            var afterMore = await SettledRssAsync(child);
            var perFirst = (afterFirst - warm) / first;
            var perAll = (afterMore - warm) / (first + more);
            return
            [
                new Row("RSS of an idle agent-server, right after /ready", "MB", 1, idle).AtMost(60, "≤ 60 MB"),
                new Row("RSS after 10 warm-up conversations (create + GET)", "MB", 1, warm),
                new Row($"RSS with {first + 10} idle conversations loaded", "MB", 1, afterFirst),
                new Row($"RSS per loaded conversation, {first} conversations", "MB", first, perFirst).AtMost(0.5, "≤ 0.5 MB"),
                new Row($"RSS per loaded conversation, {first + more} conversations ({afterMore:0} MB total)", "MB", first + more, perAll)
                    .AtMost(0.5, "≤ 0.5 MB"),
            ];
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Creates <paramref name="count"/> idle conversations, then reads every conversation so far back.</summary>
    private static async Task AddConversationsAsync(AgentServerClient client, string work, List<Guid> ids, int count)
    {
        for (var i = 0; i < count; i++)
            ids.Add((await client.CreateConversationAsync(Requests.Conversation(work, UnusedLlm, initialMessage: null))).Info.Id);
        foreach (var id in ids)
            _ = await client.GetConversationAsync(id) ?? throw new InvalidOperationException($"Conversation {id} is gone.");
    }

    /// <summary>RSS after a short pause, so freed pages and background work settle.</summary>
    private static async Task<double> SettledRssAsync(ChildServer child)
    {
        await Task.Delay(500);
        return child.RssMb;
    }
}
