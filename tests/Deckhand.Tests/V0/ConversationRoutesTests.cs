using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer.AppConversations.Storage;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.V0;

/// <summary>
/// The per-conversation V0 routes (<c>/api/conversations/{id}/...</c>) over a real app server, a real sandbox and the
/// scripted LLM, on a conversation started from a local git repository.
/// </summary>
public sealed class ConversationRoutesTests : IAsyncLifetime
{
    private const string OutsideSecret = "outside-secret-5d1c";

    private readonly string _dir = TempDir.Create("deckhand-v0routes");
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _llm.DisposeAsync();
        TempDir.Delete(_dir);
    }

    [Fact]
    public async Task Routes_ServeInfoFilesGitEventsAndTrajectory_AndRefuseTraversal()
    {
        await using var feedback = await FeedbackTarget.StartAsync();
        await using var server = await TestAppServer.StartAsync(configure: o => o with { FeedbackUrl = feedback.Url });
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var repo = AppFlow.CreateRepository(_dir, "widgets", new Dictionary<string, string>
        {
            ["README.md"] = "# widgets\n",
            ["src/app.py"] = "print('hi')\n",
            [".gitignore"] = "*.log\nbuild/\n",
            ["debug.log"] = "ignored\n",
            [".openhands/microagents/deploy.md"] = "---\nname: deploy\ntriggers:\n- deploy\n---\nDeploy with make ship.\n",
        });
        _llm.Enqueue(
            ScriptedReply.ToolCall("terminal", new { command = "echo changed >> README.md && echo new > added.txt && mkdir -p build && echo x > build/out.txt" }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));
        var snapshots = await flow.StreamStartAsync($$$"""
            {"selected_repository":"{{{repo}}}","initial_message":{"role":"user","content":[{"type":"text","text":"Edit the readme."}]}}
            """);
        var ready = snapshots[^1];
        Assert.Equal("READY", ready.GetProperty("status").GetString());
        var id = ready.GetProperty("app_conversation_id").GetString()!;
        var sandboxId = ready.GetProperty("sandbox_id").GetString()!;
        var basePath = $"api/conversations/{id}";
        var agent = AppFlow.Agent(await flow.ConversationAsync(id));
        var workspace = (await agent.GetConversationAsync(Guid.Parse(id)))!.Workspace.WorkingDir;
        await Wait.UntilAsync(async () => (await flow.SendAsync(HttpMethod.Get, $"{basePath}/events?limit=100")).Body.Contains("\"action\":\"finish\""),
            "the agent to finish", TimeSpan.FromSeconds(60));

        // Info routes; a V1 row's config names its sandbox, a V0 row's does not.
        var config = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/config");
        Assert.Equal(sandboxId, config.GetProperty("runtime_id").GetString());
        Assert.Equal(id, config.GetProperty("session_id").GetString());
        Assert.Equal("""{"vscode_url":null}""", (await flow.SendAsync(HttpMethod.Get, $"{basePath}/vscode-url")).Body);
        Assert.Equal("""{"hosts":{}}""", (await flow.SendAsync(HttpMethod.Get, $"{basePath}/web-hosts")).Body);
        var repository = server.App.Services.GetRequiredService<AppConversationInfoRepository>();
        var v1Row = (await repository.FindAnyAsync(null, Guid.Parse(id)))!;
        var v0Id = Guid.NewGuid();
        await repository.SaveAsync(v1Row with { Id = v0Id, Version = "V0" });
        Assert.Equal($$"""{"runtime_id":null,"session_id":"{{v0Id:N}}"}""", (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{v0Id:N}/config")).Body);
        var unknown = Guid.NewGuid().ToString("N");
        var (missingStatus, missingBody) = await flow.SendAsync(HttpMethod.Get, $"api/conversations/{unknown}/config");
        Assert.Equal(HttpStatusCode.NotFound, missingStatus);
        Assert.Equal($$"""{"detail":"Conversation {{unknown}} not found"}""", missingBody);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{unknown}/list-files")).Status);

        // list-files: directories first, ignored names and root .gitignore matches left out.
        var root = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/list-files");
        var names = root.EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains("src/", names);
        Assert.Contains(".openhands/", names);
        Assert.Contains("README.md", names);
        Assert.Contains("added.txt", names);
        Assert.DoesNotContain(".git/", names);
        Assert.DoesNotContain("debug.log", names);
        Assert.DoesNotContain("build/", names);
        Assert.True(names.IndexOf("src/") < names.IndexOf("README.md"));
        Assert.Equal("""["src/app.py"]""", (await flow.SendAsync(HttpMethod.Get, $"{basePath}/list-files?path=src")).Body);

        // Traversal is refused: "..", absolute paths outside, and symlinks that lead out.
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), OutsideSecret);
        File.CreateSymbolicLink(Path.Combine(workspace, "leak.txt"), Path.Combine(outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(workspace, "leakdir"), outside);
        foreach (var query in new[] { "list-files?path=..", "list-files?path=leakdir", $"list-files?path={Uri.EscapeDataString(outside)}",
                     "select-file?file=../../x", "select-file?file=leak.txt", "select-file?file=leakdir/secret.txt", "select-file?file=%2Fetc%2Fpasswd",
                     "git/diff?path=..%2F..%2Fsecret.txt" })
        {
            var (status, body) = await flow.SendAsync(HttpMethod.Get, $"{basePath}/{query}");
            Assert.True(status == HttpStatusCode.Forbidden, $"{query}: {(int)status} {body}");
            Assert.DoesNotContain(OutsideSecret, body);
            Assert.Contains("outside the workspace", AppFlow.Parse(body).GetProperty("error").GetString());
        }

        // select-file: text, binary (415), missing (404), no parameter (422); an absolute path inside the workspace is fine.
        Assert.Equal("# widgets\nchanged\n", (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/select-file?file=README.md")).GetProperty("code").GetString());
        Assert.Equal("print('hi')\n", (await flow.JsonAsync(HttpMethod.Get,
            $"{basePath}/select-file?file={Uri.EscapeDataString(Path.Combine(workspace, "src/app.py"))}")).GetProperty("code").GetString());
        File.WriteAllBytes(Path.Combine(workspace, "image.bin"), [0x89, 0x50, 0x00, 0x01, 0xff]);
        var (binaryStatus, binaryBody) = await flow.SendAsync(HttpMethod.Get, $"{basePath}/select-file?file=image.bin");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, binaryStatus);
        Assert.StartsWith("Unable to open binary file: ", AppFlow.Parse(binaryBody).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/select-file?file=nope.txt")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/select-file")).Status);

        // zip-directory: the workspace, without what symlinks point at.
        using (var response = await server.Http.GetAsync($"{basePath}/zip-directory"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment; filename=\"workspace.zip\"", string.Join(",", response.Content.Headers.GetValues("Content-Disposition")));
            using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync());
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("README.md", entries);
            Assert.Contains("src/app.py", entries);
            Assert.DoesNotContain("leak.txt", entries);
            Assert.DoesNotContain(entries, e => e.StartsWith("leakdir", StringComparison.Ordinal));
            foreach (var entry in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
            {
                using var reader = new StreamReader(entry.Open());
                Assert.DoesNotContain(OutsideSecret, await reader.ReadToEndAsync());
            }
        }
        File.Delete(Path.Combine(workspace, "leak.txt"));
        Directory.Delete(Path.Combine(workspace, "leakdir"));
        File.Delete(Path.Combine(workspace, "image.bin"));

        // git: the agent's edit and new file, and the readme's two sides.
        var changes = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/git/changes");
        var byPath = changes.EnumerateArray().ToDictionary(c => c.GetProperty("path").GetString()!, c => c.GetProperty("status").GetString()!);
        Assert.Equal("M", byPath["README.md"]);
        Assert.Equal("A", byPath["added.txt"]);
        var diff = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/git/diff?path=README.md");
        Assert.Equal("# widgets\n", diff.GetProperty("original").GetString());
        Assert.Equal("# widgets\nchanged\n", diff.GetProperty("modified").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/git/diff")).Status);

        // upload-files: into the workspace through the sandbox; a name that leads out is skipped.
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent("uploaded notes\n"u8.ToArray()), "files", "notes.txt");
            form.Add(new ByteArrayContent("evil\n"u8.ToArray()), "files", "../evil.txt");
            using var response = await server.Http.PostAsync($"{basePath}/upload-files", form);
            var body = AppFlow.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Path.Combine(workspace, "notes.txt"), Assert.Single(body.GetProperty("uploaded_files").EnumerateArray()).GetString());
            Assert.Equal("../evil.txt", Assert.Single(body.GetProperty("skipped_files").EnumerateArray()).GetProperty("name").GetString());
            Assert.Equal("uploaded notes\n", File.ReadAllText(Path.Combine(workspace, "notes.txt")));
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(workspace)!, "evil.txt")));
        }

        // microagents: the repository's skills, through the sandbox's skills route.
        var microagents = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/microagents");
        var deploy = microagents.GetProperty("microagents").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "deploy");
        Assert.Equal("knowledge", deploy.GetProperty("type").GetString());
        Assert.Contains("make ship", deploy.GetProperty("content").GetString());
        Assert.Equal("""["deploy"]""", deploy.GetProperty("triggers").GetRawText());

        // events: numeric increasing ids, paging, reverse, bounds.
        var all = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/events?limit=100");
        var ids = all.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.True(ids.Count >= 4, string.Join(",", ids));
        Assert.Equal(0, ids[0]);
        Assert.Equal(ids.OrderBy(i => i).Distinct(), ids);
        Assert.False(all.GetProperty("has_more").GetBoolean());
        Assert.All(all.GetProperty("events").EnumerateArray(), e =>
        {
            Assert.True(e.TryGetProperty("timestamp", out _) && e.TryGetProperty("source", out _) && e.TryGetProperty("message", out _));
            Assert.True(e.TryGetProperty("action", out _) || e.TryGetProperty("observation", out _));
        });
        var first = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/events?limit=2");
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal(ids.Take(2), first.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        var window = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/events?start_id={ids[1]}&end_id={ids[2]}&reverse=true");
        Assert.Equal([ids[2], ids[1]], window.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        var (limitStatus, limitBody) = await flow.SendAsync(HttpMethod.Get, $"{basePath}/events?limit=101");
        Assert.Equal(HttpStatusCode.BadRequest, limitStatus);
        Assert.Equal("""{"detail":"Invalid limit"}""", limitBody);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/events?start_id=x")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{unknown}/events")).Status);

        // trajectory: V0 events with increasing numeric ids, the agent's command among them.
        var trajectory = (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/trajectory")).GetProperty("trajectory").EnumerateArray().ToList();
        var trajectoryIds = trajectory.Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(trajectoryIds.OrderBy(i => i).Distinct(), trajectoryIds);
        Assert.Contains(trajectory, e => e.TryGetProperty("action", out var a) && a.GetString() == "run"
            && e.GetProperty("args").GetProperty("command").GetString()!.Contains("README.md", StringComparison.Ordinal));

        // message and raw events reach the agent; bad events are refused with 400.
        var before = _llm.Requests.Count;
        _llm.Enqueue(ScriptedReply.Text("Noted."), ScriptedReply.Text("Noted again."));
        Assert.Equal("""{"success":true}""", (await flow.SendAsync(HttpMethod.Post, $"{basePath}/message", """{"message":"please note ALBATROSS"}""")).Body);
        var noted = await _llm.WaitForRequestAsync(before, TimeSpan.FromSeconds(30));
        Assert.Contains("please note ALBATROSS", noted.Body);
        await Wait.UntilAsync(async () => (await flow.SendAsync(HttpMethod.Get, $"{basePath}/events?limit=100")).Body.Contains("Noted."),
            "the reply to the message", TimeSpan.FromSeconds(30));
        Assert.Equal("""{"success":true}""", (await flow.SendAsync(HttpMethod.Post, $"{basePath}/events",
            """{"action":"message","args":{"content":"raw PUFFIN event"}}""")).Body);
        Assert.Contains("raw PUFFIN event", (await _llm.WaitForRequestAsync(before + 1, TimeSpan.FromSeconds(30))).Body);
        await Wait.UntilAsync(async () => (await flow.SendAsync(HttpMethod.Get, $"{basePath}/events?limit=100")).Body.Contains("Noted again."),
            "the reply to the raw event", TimeSpan.FromSeconds(30));
        var (badStatus, badBody) = await flow.SendAsync(HttpMethod.Post, $"{basePath}/events", """{"action":"run","args":{"command":"ls"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("detail", badBody);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Post, $"{basePath}/message", """{"text":"x"}""")).Status);

        // remember-prompt asks the conversation's LLM and keeps what is between the tags.
        _llm.Enqueue(ScriptedReply.Text("Sure.\n<update_prompt>Run make ship to deploy.</update_prompt>"));
        var remembered = await flow.JsonAsync(HttpMethod.Get, $"{basePath}/remember-prompt?event_id=2");
        Assert.Equal("success", remembered.GetProperty("status").GetString());
        Assert.Equal("Run make ship to deploy.", remembered.GetProperty("prompt").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/remember-prompt")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{unknown}/remember-prompt?event_id=1")).Status);

        // submit-feedback posts the trajectory to the configured target and answers with its JSON.
        var shared = await flow.JsonAsync(HttpMethod.Post, $"{basePath}/submit-feedback",
            """{"email":"a@example.com","version":"1.0","permissions":"private","polarity":"positive"}""");
        Assert.Equal("fb-1", shared.GetProperty("body").GetProperty("feedback_id").GetString());
        var posted = AppFlow.Parse(Assert.Single(feedback.Bodies));
        Assert.Equal("positive", posted.GetProperty("polarity").GetString());
        Assert.Contains(posted.GetProperty("trajectory").EnumerateArray(), e => e.GetProperty("message").GetString()!.Contains("ALBATROSS"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Post, $"{basePath}/submit-feedback",
            """{"email":"a@example.com","version":"1.0","permissions":"everyone","polarity":"positive"}""")).Status);

        // A paused sandbox: files answer "Runtime not yet initialized", messages 409, stored events still readable.
        Assert.True(await server.Sandboxes.PauseAsync(null, sandboxId));
        var (pausedStatus, pausedBody) = await flow.SendAsync(HttpMethod.Get, $"{basePath}/list-files");
        Assert.Equal(HttpStatusCode.NotFound, pausedStatus);
        Assert.Equal("""{"error":"Runtime not yet initialized"}""", pausedBody);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/zip-directory")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/git/changes")).Status);
        var (messageStatus, messageBody) = await flow.SendAsync(HttpMethod.Post, $"{basePath}/message", """{"message":"hello?"}""");
        Assert.Equal(HttpStatusCode.Conflict, messageStatus);
        Assert.False(AppFlow.Parse(messageBody).GetProperty("success").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await flow.SendAsync(HttpMethod.Post, $"{basePath}/events", """{"action":"message","args":{"content":"x"}}""")).Status);
        Assert.Equal(ids.Count, (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/events?limit=100&end_id={ids[^1]}")).GetProperty("events").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/trajectory")).Status);
    }

    [Fact]
    public async Task SubmitFeedbackWithoutATarget_Refuses_AndGitChangesOutsideARepository_Is404()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var snapshots = await flow.StreamStartAsync("{}");
        var id = snapshots[^1].GetProperty("app_conversation_id").GetString()!;
        var (status, body) = await flow.SendAsync(HttpMethod.Post, $"api/conversations/{id}/submit-feedback",
            """{"email":"a@example.com","version":"1.0","permissions":"public","polarity":"negative"}""");
        Assert.Equal(HttpStatusCode.NotImplemented, status);
        Assert.Contains("DECKHAND_FEEDBACK_URL", AppFlow.Parse(body).GetProperty("error").GetString());
        // Without a repository the start flow makes the workspace one; once it is gone, git/changes says so.
        var workspace = (await AppFlow.Agent(await flow.ConversationAsync(id)).GetConversationAsync(Guid.Parse(id)))!.Workspace.WorkingDir;
        Assert.Equal("[]", (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{id}/git/changes")).Body);
        Directory.Delete(Path.Combine(workspace, ".git"), recursive: true);
        Assert.Equal("""{"error":"Not a git repository"}""", (await flow.SendAsync(HttpMethod.Get, $"api/conversations/{id}/git/changes")).Body);
    }

    /// <summary>A loopback stand-in for the feedback service: records bodies, answers like the real one.</summary>
    private sealed class FeedbackTarget : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;
        private readonly List<string> _bodies = [];

        private FeedbackTarget(HttpListener listener, string url)
        {
            _listener = listener;
            Url = url;
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public IReadOnlyList<string> Bodies
        {
            get
            {
                lock (_bodies)
                    return [.. _bodies];
            }
        }

        public static Task<FeedbackTarget> StartAsync()
        {
            for (var attempt = 0; ; attempt++)
            {
                var port = Random.Shared.Next(20000, 60000);
                var url = $"http://127.0.0.1:{port}/feedback/";
                var listener = new HttpListener();
                listener.Prefixes.Add(url);
                try
                {
                    listener.Start();
                    return Task.FromResult(new FeedbackTarget(listener, url));
                }
                catch (HttpListenerException) when (attempt < 20)
                {
                    listener.Close();
                }
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    var body = await reader.ReadToEndAsync();
                    lock (_bodies)
                        _bodies.Add(body);
                }
                var answer = """{"statusCode":200,"body":{"message":"ok","feedback_id":"fb-1","password":"pw"}}"""u8.ToArray();
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
