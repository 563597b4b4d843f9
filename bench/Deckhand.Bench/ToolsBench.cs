using System.Diagnostics;
using System.Globalization;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Tools;
using Deckhand.Engine.Isolation;
using Deckhand.Engine.Tools;
using Deckhand.Engine.Tools.Terminal;
using Deckhand.Testing.Llm;

namespace Deckhand.Bench;

/// <summary>
/// The real tools (issue 3, scope item 7): the terminal round trip of <c>true</c> against spawning <c>bash -c true</c>
/// in the same run, fresh terminal session start, memory of conversations with a live shell, and the 3-step task of
/// PERFORMANCE.md (terminal, file_editor create, finish) end to end. Each figure is taken with no isolation and, when it
/// works here, with bubblewrap.
/// </summary>
internal static class ToolsBench
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);
    private static readonly ScriptedReply TerminalTrue = ScriptedReply.ToolCall("terminal", """{"command":"true"}""");

    public static async Task<List<Row>> RunAsync(bool quick)
    {
        var modes = new List<IsolationMode> { IsolationMode.None };
        var bwrapProblem = BubblewrapProblem();
        if (bwrapProblem is null)
            modes.Add(IsolationMode.Bubblewrap);
        else
            await Console.Error.WriteLineAsync("tools: bubblewrap does not work here, measuring without isolation only: " + bwrapProblem);

        var rows = new List<Row>();
        var (spawn, env, direct) = await SpawnAndDirectAsync(modes, quick ? 50 : 200, quick ? 100 : 500);
        var spawnRow = Row.Of("baseline: spawn `bash -c true` (System.Diagnostics.Process, wait for exit)", "ms", spawn);
        rows.Add(spawnRow);
        rows.Add(Row.Of("baseline: spawn `/usr/bin/env bash -c true`", "ms", env));
        foreach (var mode in modes)
        {
            var row = Row.Of($"terminal `true` in-process, TerminalTool.ExecuteAsync (warm shell, isolation {Name(mode)})", "ms", direct[mode]);
            rows.Add(row);
            rows.Add(Ratio($"ratio in-process terminal ({Name(mode)}) / `bash -c true` spawn (medians)", row.Median, spawnRow.Median));
        }

        var apiRows = new List<Row>();
        var taskRows = new List<Row>();
        foreach (var mode in modes)
        {
            await using var llm = await LlmScript.StartAsync();
            await using var server = await InProcessServer.StartAsync(new IsolationOptions { Mode = mode });
            apiRows.AddRange(await ApiRoundTripAsync(server, llm, mode, quick ? 50 : 200, quick ? 1 : 2, spawnRow.Median));
            taskRows.AddRange(await ThreeStepTaskAsync(server, llm, mode, quick ? 8 : 30));
        }
        rows.AddRange(apiRows);
        foreach (var mode in modes)
            rows.AddRange(await SessionStartAsync(mode, quick ? 5 : 20));
        rows.AddRange(taskRows);
        foreach (var mode in modes)
            rows.AddRange(await MemoryAsync(mode, quick ? 5 : 20));
        return rows;
    }

    private static string Name(IsolationMode mode) => mode == IsolationMode.None ? "none" : "bubblewrap";

    private static Row Ratio(string measure, double value, double baseline)
    {
        var ratio = value / baseline;
        return new Row(measure, "×", 1, ratio).AtMost(1, "≤ 1× (stretch ≤ 0.3×)") with
        {
            Note = ratio <= 0.3 ? "stretch met" : "stretch ≤ 0.3× missed",
        };
    }

    /// <summary>Null when a bubblewrap sandbox runs here, else why not.</summary>
    private static string? BubblewrapProblem()
    {
        var data = Directory.CreateTempSubdirectory("deckhand-bench-bwrap-").FullName;
        try
        {
            ShellIsolation.Create(new IsolationOptions { Mode = IsolationMode.Bubblewrap }, data);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A terminal tool on its own temp workspace and data dir; <see cref="IAsyncDisposable.DisposeAsync"/> ends the shell and deletes both.</summary>
    private sealed class DirectTerminal : IAsyncDisposable
    {
        private readonly string _root;

        public DirectTerminal(IsolationMode mode)
        {
            _root = Directory.CreateTempSubdirectory("deckhand-bench-term-").FullName;
            var work = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;
            var data = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
            var persist = Directory.CreateDirectory(Path.Combine(data, "conversation")).FullName;
            var isolation = mode == IsolationMode.None
                ? new NoIsolation()
                : ShellIsolation.Create(new IsolationOptions { Mode = IsolationMode.Bubblewrap }, data);
            Context = new ToolContext(Guid.NewGuid(), work, persist, isolation);
            Tool = new TerminalTool(Context);
        }

        public ToolContext Context { get; }

        public TerminalTool Tool { get; private set; }

        /// <summary>Runs <paramref name="command"/>; throws unless it exits 0.</summary>
        public async Task RunAsync(string command)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var observation = (TerminalObservation)await Tool.ExecuteAsync(new TerminalAction { Command = command }, Context, timeout.Token);
            if (observation.ExitCode != 0 || observation.IsError)
                throw new InvalidOperationException($"terminal `{command}` failed: exit {observation.ExitCode}: {observation.Text()}");
        }

        /// <summary>Ends the shell and starts over with a new tool on the same workspace.</summary>
        public async Task RenewAsync()
        {
            await Tool.DisposeAsync();
            Tool = new TerminalTool(Context);
        }

        public async ValueTask DisposeAsync()
        {
            await Tool.DisposeAsync();
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Interleaved in <c>rounds</c> so the spawn baseline and the terminal see the same machine: each round spawns
    /// <c>bash -c true</c> and <c>/usr/bin/env bash -c true</c> spawns/rounds times, then runs calls/rounds <c>true</c>
    /// commands through each warm terminal.
    /// </summary>
    private static async Task<(List<double> Spawn, List<double> Env, Dictionary<IsolationMode, List<double>> Direct)> SpawnAndDirectAsync(
        List<IsolationMode> modes, int spawns, int calls)
    {
        const int rounds = 4;
        var spawn = new List<double>();
        var env = new List<double>();
        var direct = modes.ToDictionary(m => m, _ => new List<double>());
        var terminals = new Dictionary<IsolationMode, DirectTerminal>();
        try
        {
            foreach (var mode in modes)
            {
                terminals[mode] = new DirectTerminal(mode);
                for (var i = 0; i < 20; i++)
                    await terminals[mode].RunAsync("true"); // start the shell and warm the path
            }
            for (var i = 0; i < 10; i++)
            {
                await SpawnAsync("bash", "-c", "true");
                await SpawnAsync("/usr/bin/env", "bash", "-c", "true");
            }
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < spawns / rounds; i++)
                    spawn.Add(await SpawnAsync("bash", "-c", "true"));
                for (var i = 0; i < spawns / rounds; i++)
                    env.Add(await SpawnAsync("/usr/bin/env", "bash", "-c", "true"));
                foreach (var mode in modes)
                {
                    for (var i = 0; i < calls / rounds; i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        await terminals[mode].RunAsync("true");
                        direct[mode].Add(Stats.MsSince(start));
                    }
                }
            }
        }
        finally
        {
            foreach (var terminal in terminals.Values)
                await terminal.DisposeAsync();
        }
        return (spawn, env, direct);
    }

    /// <summary>Process.Start → exit, in ms; throws unless the exit code is 0.</summary>
    private static async Task<double> SpawnAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var start = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        await process.WaitForExitAsync(timeout.Token);
        var ms = Stats.MsSince(start);
        return process.ExitCode == 0 ? ms : throw new InvalidOperationException($"{file} exited with {process.ExitCode}.");
    }

    private static StartConversationRequest WithTools(StartConversationRequest request) => request with
    {
        Agent = request.Agent! with { Tools = [new ToolSpec { Name = "terminal" }, new ToolSpec { Name = "file_editor" }] },
    };

    /// <summary>
    /// Two conversations per round through the server API: <paramref name="calls"/> <c>think</c> calls then finish, and
    /// <paramref name="calls"/> <c>terminal</c> <c>true</c> calls then finish. Gap i (request i → request i+1) covers tool
    /// call i; the think gap of the same index is the no-tool step baseline of the same history length.
    /// </summary>
    private static async Task<List<Row>> ApiRoundTripAsync(InProcessServer server, LlmScript llm, IsolationMode mode, int calls, int rounds, double spawnMedian)
    {
        await RunAsync(server, llm, 40, terminal: false);
        await RunAsync(server, llm, 40, terminal: true);
        var think = new List<double>();
        var terminal = new List<double>();
        var own = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var thinkGaps = await RunAsync(server, llm, calls, terminal: false);
            var terminalGaps = await RunAsync(server, llm, calls, terminal: true);
            think.AddRange(thinkGaps);
            terminal.AddRange(terminalGaps);
            own.AddRange(terminalGaps.Select((gap, i) => gap - thinkGaps[i]));
        }
        var n = Name(mode);
        var terminalRow = Row.Of($"API: step gap with a `terminal` `true` call ({calls}-call runs × {rounds}, isolation {n})", "ms", terminal);
        var thinkRow = Row.Of($"API: step gap with a `think` call, same run (no-tool baseline, isolation {n} server)", "ms", think);
        var ownRow = Row.Of($"API: terminal round trip = terminal gap − think gap of the same index (isolation {n})", "ms", own);
        return
        [
            terminalRow.AtMost(5, "≤ 5 ms"),
            thinkRow,
            ownRow,
            Ratio($"ratio API terminal round trip ({n}) / `bash -c true` spawn (medians)", ownRow.Median, spawnMedian),
        ];
    }

    /// <summary>One conversation of <paramref name="calls"/> tool calls then finish; the gap before each request after the first.</summary>
    private static async Task<double[]> RunAsync(InProcessServer server, LlmScript llm, int calls, bool terminal)
    {
        llm.ThinkCalls = calls;
        llm.Script = terminal ? done => done < calls ? TerminalTrue : null : null;
        try
        {
            var (info, _) = await server.Client.CreateConversationAsync(WithTools(server.Conversation(llm.BaseUrl, initialMessage: null)));
            await using var reader = await SocketReader.ConnectAsync(server.Client, info.Id);
            llm.Recording = true;
            await server.Client.SendMessageAsync(info.Id, "go", run: true);
            await reader.Finished.WaitAsync(RunTimeout);
            llm.Recording = false;
            await server.WaitForStatusAsync(info.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(10));
            var (arrivals, _) = llm.TakeRecording();
            if (arrivals.Length != calls + 1)
                throw new InvalidOperationException($"Expected {calls + 1} LLM requests, saw {arrivals.Length}.");
            await server.Client.DeleteConversationAsync(info.Id); // ends its shell
            return [.. Enumerable.Range(0, calls).Select(i => Stats.Ms(arrivals[i], arrivals[i + 1]))];
        }
        finally
        {
            llm.Recording = false;
            llm.Script = null;
        }
    }

    /// <summary>First call (<c>true</c>) on a new TerminalTool: starting the shell (under the isolation) until the observation.</summary>
    private static async Task<List<Row>> SessionStartAsync(IsolationMode mode, int runs)
    {
        var first = new List<double>();
        var second = new List<double>();
        await using var terminal = new DirectTerminal(mode);
        for (var i = -2; i < runs; i++)
        {
            await terminal.RenewAsync();
            var start = Stopwatch.GetTimestamp();
            await terminal.RunAsync("true");
            var started = Stats.MsSince(start);
            start = Stopwatch.GetTimestamp();
            await terminal.RunAsync("true");
            if (i < 0)
                continue; // warm-up
            second.Add(Stats.MsSince(start));
            first.Add(started);
        }
        var row = Row.Of($"fresh terminal session: first `true` on a new TerminalTool (shell start + call, isolation {Name(mode)})", "ms", first);
        return
        [
            mode == IsolationMode.None ? row : row.AtMost(500, "≤ 0.5 s (sandbox start)"),
            Row.Of($"  the second `true` on that session (isolation {Name(mode)})", "ms", second),
        ];
    }

    /// <summary>
    /// The 3-step task of PERFORMANCE.md: terminal (<c>echo hello</c>), file_editor create, finish; POST create with
    /// the initial message → finish seen on a new socket. Interleaved with the think-only 3-step task of the start bench,
    /// and with the same task sent as a second message to a conversation whose shell is already running.
    /// </summary>
    private static async Task<List<Row>> ThreeStepTaskAsync(InProcessServer server, LlmScript llm, IsolationMode mode, int runs)
    {
        var task = new List<double>();
        var afterTerminal = new List<double>();
        var afterEditor = new List<double>();
        var thinkOnly = new List<double>();
        var warmTask = new List<double>();
        var warmGaps = new List<double>();
        var n = Name(mode);
        for (var i = -5; i < runs; i++)
        {
            var path = Path.Combine(server.WorkingDir, $"task-{n}-{i + 5}.txt");
            llm.ThinkCalls = 0;
            llm.Script = TaskScript(path);
            llm.Recording = true;
            var (ms, id) = await TaskAsync(server, llm);
            llm.Recording = false;
            var (arrivals, _) = llm.TakeRecording();
            if (arrivals.Length != 3 || !File.Exists(path))
                throw new InvalidOperationException($"3-step task: {arrivals.Length} LLM requests, file written: {File.Exists(path)}.");

            // The same task again in that conversation: its shell is running, so no shell start.
            llm.Script = TaskScript(path + ".2");
            llm.Recording = true;
            var warm = await FollowUpAsync(server, id);
            llm.Recording = false;
            var (warmArrivals, _) = llm.TakeRecording();
            if (warmArrivals.Length != 3 || !File.Exists(path + ".2"))
                throw new InvalidOperationException($"follow-up 3-step task: {warmArrivals.Length} LLM requests.");
            await server.Client.DeleteConversationAsync(id); // ends its shell

            llm.Script = null;
            llm.ThinkCalls = 2;
            var (think, thinkId) = await TaskAsync(server, llm); // think, think, finish
            await server.Client.DeleteConversationAsync(thinkId);
            if (i < 0)
                continue; // warm-up
            task.Add(ms);
            afterTerminal.Add(Stats.Ms(arrivals[0], arrivals[1]));
            afterEditor.Add(Stats.Ms(arrivals[1], arrivals[2]));
            thinkOnly.Add(think);
            warmTask.Add(warm);
            warmGaps.Add(Stats.Ms(warmArrivals[0], warmArrivals[1]));
            warmGaps.Add(Stats.Ms(warmArrivals[1], warmArrivals[2]));
        }
        llm.Script = null;
        return
        [
            Row.Of($"3-step task (terminal `echo hello`, file_editor create, finish), POST → finish on socket (isolation {n})", "ms", task)
                .AtMost(25, "≤ 25 ms"),
            Row.Of($"  its gap after the terminal call (the conversation's first: starts the shell, isolation {n})", "ms", afterTerminal)
                .AtMost(5, "≤ 5 ms"),
            Row.Of($"  its gap after the file_editor call (isolation {n})", "ms", afterEditor).AtMost(5, "≤ 5 ms"),
            Row.Of($"  same run, think-only 3-step task (think, think, finish) for comparison (isolation {n} server)", "ms", thinkOnly),
            Row.Of($"same 3-step task sent as a 2nd message to that conversation (shell live), send → finish on socket (isolation {n})", "ms", warmTask)
                .AtMost(25, "≤ 25 ms"),
            Row.Of($"  its gaps after the terminal and the file_editor call, both (isolation {n})", "ms", warmGaps).AtMost(5, "≤ 5 ms"),
        ];
    }

    /// <summary>terminal <c>echo hello</c>, file_editor create <paramref name="path"/>, finish; by tool results modulo 3.</summary>
    private static Func<int, ScriptedReply?> TaskScript(string path)
    {
        var terminal = ScriptedReply.ToolCall("terminal", """{"command":"echo hello"}""");
        var create = ScriptedReply.ToolCall("file_editor", new { command = "create", path, file_text = "hello\n" });
        var finish = ScriptedReply.ToolCall("finish", """{"message":"done"}""");
        return done => (done % 3) switch { 0 => terminal, 1 => create, _ => finish };
    }

    /// <summary>Sends "go" to a finished conversation → the next finish on a socket opened without resend, in ms.</summary>
    private static async Task<double> FollowUpAsync(InProcessServer server, Guid id)
    {
        await using var reader = await SocketReader.ConnectAsync(server.Client, id, resendAll: false);
        var start = Stopwatch.GetTimestamp();
        await server.Client.SendMessageAsync(id, "go", run: true);
        var finished = await reader.Finished.WaitAsync(TimeSpan.FromSeconds(30));
        var ms = Stats.Ms(start, finished);
        await server.WaitForStatusAsync(id, ExecutionStatus.Finished, TimeSpan.FromSeconds(10));
        return ms;
    }

    /// <summary>POST create with "go" → finish seen on a new socket (resend all), in ms, and the conversation's id.</summary>
    private static async Task<(double Ms, Guid Id)> TaskAsync(InProcessServer server, LlmScript llm)
    {
        var start = Stopwatch.GetTimestamp();
        var (info, _) = await server.Client.CreateConversationAsync(WithTools(server.Conversation(llm.BaseUrl, "go")));
        await using (var reader = await SocketReader.ConnectAsync(server.Client, info.Id))
        {
            var finished = await reader.Finished.WaitAsync(TimeSpan.FromSeconds(30));
            var ms = Stats.Ms(start, finished);
            await server.WaitForStatusAsync(info.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(10));
            return (ms, info.Id);
        }
    }

    /// <summary>
    /// The real server as a child process: RSS settled after 2 warm-up conversations that each ran one terminal
    /// command, then after <paramref name="count"/> more; the shells stay alive with their conversations.
    /// </summary>
    private static async Task<List<Row>> MemoryAsync(IsolationMode mode, int count)
    {
        await using var llm = await LlmScript.StartAsync();
        llm.ThinkCalls = 1;
        llm.Script = done => done == 0 ? TerminalTrue : null;
        using var child = ChildServer.Start("--isolation", Name(mode));
        await child.WaitReadyAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = child.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var client = new AgentServerClient(http);
        var work = Directory.CreateTempSubdirectory("deckhand-bench-work-").FullName;
        try
        {
            await TerminalConversationsAsync(client, work, llm, 2);
            var before = await SettledAsync(child);
            await TerminalConversationsAsync(client, work, llm, count);
            var after = await SettledAsync(child);
            var shells = after.Children.Count(p => p.Comm == "bash");
            var perConversation = (after.ServerMb - before.ServerMb) / count;
            var childrenDelta = after.ChildrenRssMb - before.ChildrenRssMb;
            var n = Name(mode);
            return
            [
                new Row($"server RSS (child process, isolation {n}) with 2 conversations that ran a terminal command", "MB", 1, before.ServerMb),
                new Row($"server RSS after {count} more such conversations, shells alive", "MB", 1, after.ServerMb),
                new Row($"server RSS per conversation with a live shell (shells excluded, isolation {n})", "MB", count, perConversation)
                    .AtMost(0.5, "≤ 0.5 MB"),
                new Row($"shell processes' RSS per conversation (Σ VmRSS of the server's descendants, isolation {n})", "MB", count, childrenDelta / count)
                {
                    Note = $"{after.Children.Count} descendants ({Describe(after.Children)}); " +
                        $"Σ VmRSS {after.ChildrenRssMb:0.0} MB, Σ PSS {after.ChildrenPssMb:0.0} MB in all ({after.ChildrenPssMb / Math.Max(shells, 1):0.00} MB PSS per bash)",
                },
            ];
        }
        finally
        {
            llm.Script = null;
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Describe(List<ProcessInfo> children) =>
        string.Join(", ", children.GroupBy(p => p.Comm).Select(g => $"{g.Count()} × {g.Key}"));

    private static async Task TerminalConversationsAsync(AgentServerClient client, string work, LlmScript llm, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (info, _) = await client.CreateConversationAsync(WithTools(Requests.Conversation(work, llm.BaseUrl, "go")));
            var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
            while (true)
            {
                var status = (await client.GetConversationAsync(info.Id))?.ExecutionStatus;
                if (status == ExecutionStatus.Finished)
                    break;
                if (status is null or ExecutionStatus.Error or ExecutionStatus.Stuck || Stopwatch.GetTimestamp() > deadline)
                    throw new InvalidOperationException($"Conversation {info.Id} is {status}, expected finished.");
                await Task.Delay(10);
            }
        }
    }

    private sealed record ProcessInfo(int Pid, string Comm, double RssMb, double PssMb);

    private sealed record Snapshot(double ServerMb, List<ProcessInfo> Children)
    {
        public double ChildrenRssMb => Children.Sum(p => p.RssMb);

        public double ChildrenPssMb => Children.Sum(p => p.PssMb);
    }

    private static async Task<Snapshot> SettledAsync(ChildServer child)
    {
        await Task.Delay(500);
        return new Snapshot(child.RssMb, Descendants(child.Pid));
    }

    /// <summary>Every process below <paramref name="root"/> in the /proc parent tree, with VmRSS and PSS.</summary>
    private static List<ProcessInfo> Descendants(int root)
    {
        var parents = new Dictionary<int, (int Parent, string Comm)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                parents[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture), stat[(open + 1)..close]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // the process ended meanwhile
            }
        }
        var result = new List<ProcessInfo>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0 && result.Count < 10_000)
        {
            var parent = queue.Dequeue();
            foreach (var (pid, (ppid, comm)) in parents)
            {
                if (ppid != parent)
                    continue;
                queue.Enqueue(pid);
                result.Add(new ProcessInfo(pid, comm, KbField($"/proc/{pid}/status", "VmRSS:") / 1024, KbField($"/proc/{pid}/smaps_rollup", "Pss:") / 1024));
            }
        }
        return result;
    }

    /// <summary>A "Name:  123 kB" line of a /proc file, in kB; 0 when missing or unreadable.</summary>
    private static double KbField(string file, string name)
    {
        try
        {
            var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
