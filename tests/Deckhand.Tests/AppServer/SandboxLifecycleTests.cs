using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Bash;
using Deckhand.Contracts.Json;
using Deckhand.AppServer.Sandboxes.Processes;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary>Sandboxes over their whole life: delete, an app-server restart, and the running limit. Each test owns its server.</summary>
public sealed class SandboxLifecycleTests(PostgresServer postgres)
{
    [Fact]
    public async Task Delete_StopsTheAgentServerAndWhatItStarted_AndRemovesItsDirectory()
    {
        await using var server = await TestAppServer.StartAsync();
        var sandbox = await server.StartSandboxAsync();
        var runtime = await server.RuntimeAsync(sandbox.Id);
        var marker = (3000 + Random.Shared.NextDouble()).ToString("0.000000", CultureInfo.InvariantCulture);
        using (var agent = new HttpClient { BaseAddress = new Uri(sandbox.ExposedUrls![0].Url + "/") })
        {
            agent.DefaultRequestHeaders.Add("X-Session-API-Key", sandbox.SessionApiKey);
            using var started = await agent.PostAsJsonAsync("api/bash/start_bash_command",
                new ExecuteBashRequest { Command = $"sleep {marker}" }, DeckhandJson.Storage.ExecuteBashRequest);
            Assert.True(started.IsSuccessStatusCode);
        }
        await Wait.UntilAsync(() => Task.FromResult(SleepPids(marker).Count > 0), "the sandbox's command to run");
        var sleepers = SleepPids(marker);

        using var deleted = await server.Http.DeleteAsync($"api/v1/sandboxes/{sandbox.Id}");
        Assert.Equal("""{"success":true}""", await deleted.Content.ReadAsStringAsync());

        Assert.False(Procs.IsAlive(runtime.Pid));
        Assert.All(sleepers, pid => Assert.False(Procs.IsAlive(pid)));
        Assert.False(Directory.Exists(runtime.Directory));
        Assert.Null(await server.GetSandboxAsync(sandbox.Id));
        Assert.Empty((await server.Http.GetFromJsonAsync("api/v1/sandboxes/search", DeckhandJson.Wire.SandboxPage))!.Items);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.DeleteAsync($"api/v1/sandboxes/{sandbox.Id}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Restart_ReadoptsLiveSandboxes_MarksDeadOnesMissing_AndStopsStrays(string backend)
    {
        var dir = TempDir.Create("deckhand-restart");
        var database = await TestDatabases.ConnectionAsync(backend, postgres);
        System.Diagnostics.Process? stray = null;
        try
        {
            var first = await TestAppServer.StartAsync(dir, database);
            var live = await first.StartSandboxAsync();
            var dead = await first.StartSandboxAsync();
            var liveRuntime = await first.RuntimeAsync(live.Id);
            var deadRuntime = await first.RuntimeAsync(dead.Id);
            await first.StopKeepingSandboxesAsync();

            Assert.True(Procs.IsAlive(liveRuntime.Pid));
            LinuxProcess.Signal(deadRuntime.Pid, LinuxProcess.SigKill);
            await Wait.UntilAsync(() => Task.FromResult(!Procs.IsAlive(deadRuntime.Pid)), "the killed sandbox to die");
            // A process that looks like an agent-server of the sandboxes directory no registry row accounts for (as if a
            // start crashed before its pid was saved); a shell is enough, only its command line matters.
            stray = System.Diagnostics.Process.Start("/bin/sh", ["-c", "sleep 300; :", "agent-server", Path.Combine(dir, "sandboxes", "stray", "data")]);

            await using (var second = await TestAppServer.StartAsync(dir, database))
            {
                using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                    await stray.WaitForExitAsync(deadline.Token); // the restart stopped it

                var readopted = await second.GetSandboxAsync(live.Id);
                Assert.Equal(SandboxStatus.Running, readopted!.Status);
                Assert.Equal(live.SessionApiKey, readopted.SessionApiKey);
                Assert.Equal(live.ExposedUrls![0].Url, readopted.ExposedUrls![0].Url);
                Assert.Equal(liveRuntime.Pid, (await second.RuntimeAsync(live.Id)).Pid);
                using (var agent = new HttpClient { BaseAddress = new Uri(readopted.ExposedUrls[0].Url + "/") })
                    Assert.Empty((await new AgentServerClient(agent, readopted.SessionApiKey).SearchConversationsAsync()).Items);

                var missing = await second.GetSandboxAsync(dead.Id);
                Assert.Equal(SandboxStatus.Missing, missing!.Status);
                Assert.Null(missing.SessionApiKey);
                Assert.Null(missing.ExposedUrls);

                // Exactly one agent-server runs from this data directory: the adopted one.
                Assert.Equal([liveRuntime.Pid], AgentServersUnder(dir));

                // Resuming a missing sandbox starts it again, with its workspace and key.
                Assert.Equal(HttpStatusCode.OK, (await second.Http.PostAsync($"api/v1/sandboxes/{dead.Id}/resume", null)).StatusCode);
                var restarted = await second.GetSandboxAsync(dead.Id);
                Assert.Equal(SandboxStatus.Running, restarted!.Status);
                Assert.Equal(dead.SessionApiKey, restarted.SessionApiKey);
                Assert.NotEqual(deadRuntime.Pid, (await second.RuntimeAsync(dead.Id)).Pid);
            }
            Assert.Empty(AgentServersUnder(dir)); // disposing the server deleted both sandboxes
        }
        finally
        {
            if (stray is { HasExited: false })
                stray.Kill(entireProcessTree: true);
            stray?.Dispose();
            Procs.KillUnder(dir);
            TempDir.Delete(dir);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task MaxSandboxes_StartingOrResumingBeyondTheLimit_PausesTheOldestRunning_ThenPauseResumeDelete(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres), maxSandboxes: 2);
        var oldest = await server.StartSandboxAsync();
        var middle = await server.StartSandboxAsync();
        Assert.Equal(SandboxStatus.Running, (await server.GetSandboxAsync(oldest.Id))!.Status);

        var newest = await server.StartSandboxAsync();
        Assert.Equal(SandboxStatus.Paused, (await server.GetSandboxAsync(oldest.Id))!.Status);
        Assert.Equal('T', Procs.State((await server.RuntimeAsync(oldest.Id)).Pid));
        Assert.Equal(SandboxStatus.Running, (await server.GetSandboxAsync(middle.Id))!.Status);
        Assert.Equal(SandboxStatus.Running, newest.Status);

        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"api/v1/sandboxes/{oldest.Id}/resume", null)).StatusCode);
        Assert.Equal(SandboxStatus.Running, (await server.GetSandboxAsync(oldest.Id))!.Status);
        Assert.Equal(SandboxStatus.Paused, (await server.GetSandboxAsync(middle.Id))!.Status);
        Assert.Equal(SandboxStatus.Running, (await server.GetSandboxAsync(newest.Id))!.Status);

        // Pause, resume and delete through the API, the registry on this database following the processes.
        var newestPid = (await server.RuntimeAsync(newest.Id)).Pid;
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"api/v1/sandboxes/{newest.Id}/pause", null)).StatusCode);
        Assert.Equal(SandboxStatus.Paused, (await server.GetSandboxAsync(newest.Id))!.Status);
        Assert.Equal('T', Procs.State(newestPid));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"api/v1/sandboxes/{newest.Id}/resume", null)).StatusCode);
        Assert.Equal(SandboxStatus.Running, (await server.GetSandboxAsync(newest.Id))!.Status);
        Assert.NotEqual('T', Procs.State(newestPid));
        var middleRuntime = await server.RuntimeAsync(middle.Id);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.DeleteAsync($"api/v1/sandboxes/{middle.Id}")).StatusCode);
        Assert.False(Procs.IsAlive(middleRuntime.Pid));
        Assert.False(Directory.Exists(middleRuntime.Directory));
        Assert.Null(await server.GetSandboxAsync(middle.Id));
        Assert.Equal([newest.Id, oldest.Id],
            (await server.Http.GetFromJsonAsync("api/v1/sandboxes/search", DeckhandJson.Wire.SandboxPage))!.Items.Select(i => i.Id));
    }

    private static List<int> SleepPids(string marker) =>
        [.. Procs.CommandLines().Where(p => p.CommandLine.StartsWith("sleep " + marker, StringComparison.Ordinal)).Select(p => p.Pid)];

    private static List<int> AgentServersUnder(string dir) =>
        [.. Procs.CommandLines().Where(p => p.CommandLine.Contains(" agent-server ", StringComparison.Ordinal)
            && p.CommandLine.Contains(dir + "/", StringComparison.Ordinal)).Select(p => p.Pid)];
}
