using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Client;
using Deckhand.Testing.Hosting;
using Deckhand.Testing.Llm;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Deckhand.Bench;

/// <summary>
/// Sandbox start through the app server (<c>deckhand serve</c>, in this process, SQLite, loopback), whose sandboxes are
/// real <c>deckhand agent-server</c> children with bubblewrap isolation when <c>bwrap</c> is installed:
/// (a) <c>POST /api/v1/sandboxes</c> → the sandbox reads RUNNING; (b) V0 <c>POST /api/conversations {}</c> → the
/// conversation reads RUNNING; (c) the baseline in the same run, the same agent-server spawned alone until <c>/ready</c>.
/// The three are interleaved in every round, so load from other tenants hits them alike.
/// </summary>
internal static class SandboxBench
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    public static async Task<List<Row>> RunAsync(bool quick)
    {
        var rounds = quick ? 5 : 15;
        var isolation = File.Exists("/usr/bin/bwrap") || File.Exists("/bin/bwrap") ? "bubblewrap" : "none";
        string[] agentArgs = ["--isolation", isolation, "--no-llm-titles"];

        await using var llm = await ScriptedLlmServer.StartAsync();
        var root = Directory.CreateTempSubdirectory("deckhand-bench-app-").FullName;
        var app = AppServerApp.Build(new AppServerOptions
        {
            Port = 0,
            DataDir = root,
            SecretKey = "bench-secret-key",
            MaxSandboxes = 5,
            DeckhandCommand = ["dotnet", ChildServer.DeckhandDll()],
            SandboxAgentServerArgs = agentArgs,
        }, services => services.AddSingleton<IHostLifetime, QuietHostLifetime>());
        await AppServerApp.StartAsync(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/"), Timeout = Timeout };

        var sandboxPost = new List<double>();
        var sandboxRunning = new List<double>();
        var v0Post = new List<double>();
        var v0Running = new List<double>();
        var v0Sandbox = new List<double>();
        var baseline = new List<double>();
        var rss = new List<double>();
        var firstCreate = new List<double>();
        var work = Directory.CreateDirectory(Path.Combine(root, "baseline-work")).FullName;
        var pss = new List<double>();
        try
        {
            await SendAsync(http, HttpMethod.Post, "api/settings",
                $$"""{"llm_model":"openai/scripted-model","llm_base_url":"{{llm.BaseUrl}}","llm_api_key":"bench-key"}""");
            for (var i = -2; i < rounds; i++)
            {
                // (c) baseline: the same agent-server alone, spawn → /ready 200.
                var t0 = Stopwatch.GetTimestamp();
                using (var child = ChildServer.Start(agentArgs))
                {
                    var ready = await child.WaitReadyAsync(Timeout);
                    if (i >= 0)
                    {
                        baseline.Add(Stats.Ms(t0, ready));
                        await Task.Delay(500);
                        rss.Add(child.RssMb);
                        pss.Add(PssMb(child.Pid));
                    }
                    // The first conversation on this fresh agent-server (what the V0 start does after the sandbox runs).
                    using var childHttp = new HttpClient { BaseAddress = child.BaseAddress, Timeout = Timeout };
                    var t3 = Stopwatch.GetTimestamp();
                    await new AgentServerClient(childHttp).CreateConversationAsync(Requests.Conversation(work, llm.BaseUrl, null));
                    if (i >= 0)
                        firstCreate.Add(Stats.MsSince(t3));
                }

                // (a) sandbox start → RUNNING, then delete.
                t0 = Stopwatch.GetTimestamp();
                var sandbox = await SendAsync(http, HttpMethod.Post, "api/v1/sandboxes", null);
                var t1 = Stopwatch.GetTimestamp();
                var sandboxId = sandbox.GetProperty("id").GetString()!;
                await UntilAsync(async () => Status(await SendAsync(http, HttpMethod.Get, $"api/v1/sandboxes?id={sandboxId}"), single: true),
                    $"sandbox {sandboxId} to be RUNNING");
                var t2 = Stopwatch.GetTimestamp();
                await SendAsync(http, HttpMethod.Delete, $"api/v1/sandboxes/{sandboxId}", null);
                await NoSandboxesLeftAsync(http);
                if (i >= 0)
                {
                    sandboxPost.Add(Stats.Ms(t0, t1));
                    sandboxRunning.Add(Stats.Ms(t0, t2));
                }

                // (b) V0 conversation create → RUNNING, then delete (with its sandbox).
                t0 = Stopwatch.GetTimestamp();
                var created = await SendAsync(http, HttpMethod.Post, "api/conversations", "{}");
                t1 = Stopwatch.GetTimestamp();
                var conversationId = created.GetProperty("conversation_id").GetString()!;
                long? sandboxUp = null;
                await UntilAsync(async () =>
                {
                    if (sandboxUp is null && AnyRunning(await SendAsync(http, HttpMethod.Get, "api/v1/sandboxes/search")))
                        sandboxUp = Stopwatch.GetTimestamp();
                    return Status(await SendAsync(http, HttpMethod.Get, $"api/conversations/{conversationId}"), single: false);
                }, $"conversation {conversationId} to be RUNNING");
                t2 = Stopwatch.GetTimestamp();
                await SendAsync(http, HttpMethod.Delete, $"api/conversations/{conversationId}", null);
                await NoSandboxesLeftAsync(http);
                if (i >= 0)
                {
                    v0Post.Add(Stats.Ms(t0, t1));
                    v0Running.Add(Stats.Ms(t0, t2));
                    v0Sandbox.Add(Stats.Ms(t0, sandboxUp ?? t2));
                }
            }
        }
        finally
        {
            var sandboxes = app.Services.GetRequiredService<SandboxService>();
            foreach (var sandbox in (await sandboxes.SearchAsync(null, 0, 100)).Items)
                await sandboxes.DeleteAsync(null, sandbox.Id);
            await app.StopAsync();
            await app.DisposeAsync();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        var overhead = sandboxRunning.Zip(baseline, (s, b) => s - b).ToList();
        var v0Overhead = v0Running.Zip(baseline, (s, b) => s - b).ToList();
        var note = $"isolation {isolation}; rounds interleave (c), (a), (b)";
        return
        [
            Row.Of("(c) baseline: spawn `dotnet deckhand.dll agent-server` alone → GET /ready 200", "ms", baseline) with { Note = note },
            Row.Of("(c) … then the first POST /api/conversations on that fresh agent-server (no initial message)", "ms", firstCreate),
            Row.Of("(a) POST /api/v1/sandboxes (response time)", "ms", sandboxPost),
            Row.Of("(a) POST /api/v1/sandboxes sent → GET shows RUNNING (10 ms polls)", "ms", sandboxRunning).AtMost(500, "≤ 0.5 s"),
            Row.Of("(a) − (c) of the same round: the app server's own part", "ms", overhead),
            Row.Of("(b) V0 POST /api/conversations {} (response time)", "ms", v0Post),
            Row.Of("(b) V0 POST /api/conversations {} sent → GET /api/conversations/{id} RUNNING", "ms", v0Running).AtMost(500, "≤ 0.5 s"),
            Row.Of("(b) … of which: sent → its sandbox listed RUNNING", "ms", v0Sandbox),
            Row.Of("(b) … of which: sandbox RUNNING → conversation RUNNING (create on the cold agent-server)", "ms",
                v0Running.Zip(v0Sandbox, (c, s) => c - s).ToList()),
            Row.Of("(b) − (c) of the same round", "ms", v0Overhead),
            new Row("ratio (a) / (c), medians", "×", 1, Stats.Median(sandboxRunning) / Stats.Median(baseline)),
            new Row("ratio (b) / (c), medians", "×", 1, Stats.Median(v0Running) / Stats.Median(baseline)),
            Row.Of("idle agent-server (baseline child) 0.5 s after /ready: VmRSS", "MB", rss),
            Row.Of("idle agent-server (baseline child) 0.5 s after /ready: PSS", "MB", pss),
        ];
    }

    /// <summary>True once the status reads RUNNING; throws on ERROR / MISSING / a vanished item.</summary>
    private static bool Status(JsonElement body, bool single)
    {
        var item = single ? body.EnumerateArray().Single() : body;
        if (item.ValueKind != JsonValueKind.Object)
            throw new InvalidOperationException("The item vanished: " + body.GetRawText());
        var status = item.GetProperty("status").GetString();
        return status switch
        {
            "RUNNING" => true,
            "ERROR" or "MISSING" => throw new InvalidOperationException("Start failed: " + item.GetRawText()),
            _ => false,
        };
    }

    private static bool AnyRunning(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Any(item => item.GetProperty("status").GetString() == "RUNNING");

    private static async Task UntilAsync(Func<Task<bool>> done, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await done())
        {
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException($"Waited {Timeout.TotalSeconds:0} s for {what}.");
            await Task.Delay(Poll);
        }
    }

    /// <summary>Waits until the app server lists no sandbox, so the next round starts on a quiet machine.</summary>
    private static Task NoSandboxesLeftAsync(HttpClient http) =>
        UntilAsync(async () => (await SendAsync(http, HttpMethod.Get, "api/v1/sandboxes/search", null)).GetProperty("items").GetArrayLength() == 0,
            "the deleted sandboxes to go");

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Proportional set size of a process in MB (/proc/PID/smaps_rollup): shared framework pages split among sharers.</summary>
    private static double PssMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/smaps_rollup").First(l => l.StartsWith("Pss:", StringComparison.Ordinal));
        return long.Parse(line["Pss:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
