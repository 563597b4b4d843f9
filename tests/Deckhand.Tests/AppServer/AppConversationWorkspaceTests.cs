using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary>The [LATER] reads of an app conversation: <c>/file</c>, <c>/download</c>, <c>/skills</c> and <c>/hooks</c>.</summary>
public sealed class AppConversationWorkspaceTests : IAsyncLifetime
{
    private readonly string _dir = TempDir.Create("deckhand-appfiles");
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _llm.DisposeAsync();
        TempDir.Delete(_dir);
    }

    [Fact]
    public async Task FileDownloadSkillsHooks_ReadTheConversation_AndDegradeWhilePaused()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var repo = AppFlow.CreateRepository(_dir, "gadgets", new Dictionary<string, string>
        {
            ["PLAN.md"] = "1. build the gadget\n",
            ["docs/notes.txt"] = "ünïcode notes\n",
            [".openhands/microagents/release.md"] = "---\nname: release\ntriggers:\n- release\n---\nTag then push.\n",
            [".openhands/hooks.json"] = """
                {"hooks":{"PreToolUse":[{"matcher":"terminal","hooks":[{"type":"command","command":"./check.sh"}]}],
                          "stop":[{"hooks":[{"command":"echo bye","timeout":5}]}]}}
                """,
        });
        _llm.Enqueue(ScriptedReply.Text("Hello there."));
        var snapshots = await flow.StreamStartAsync($$$"""
            {"selected_repository":"{{{repo}}}","initial_message":{"role":"user","content":[{"type":"text","text":"Say hello."}]}}
            """);
        var id = snapshots[^1].GetProperty("app_conversation_id").GetString()!;
        var sandboxId = snapshots[^1].GetProperty("sandbox_id").GetString()!;
        var basePath = $"api/v1/app-conversations/{id}";
        await Wait.UntilAsync(async () => (await flow.JsonAsync(HttpMethod.Get, $"api/v1/events/count?conversation_id__eq={id}")).GetInt32() >= 3,
            "events in the app server's copy", TimeSpan.FromSeconds(30));

        // /file: PLAN.md by default, relative paths from the working directory, "" for anything wrong.
        Assert.Equal("1. build the gadget\n", (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/file")).GetString());
        Assert.Equal("ünïcode notes\n", (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/file?file_path=docs/notes.txt")).GetString());
        Assert.Equal("", (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/file?file_path=missing.md")).GetString());
        Assert.Equal("", (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/file?file_path=%2Fetc%2Fpasswd")).GetString());
        Assert.Equal("", (await flow.JsonAsync(HttpMethod.Get, $"api/v1/app-conversations/{Guid.NewGuid():N}/file")).GetString());

        // /skills and /hooks through the sandbox.
        var skills = (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/skills")).GetProperty("skills").EnumerateArray().ToList();
        var release = skills.Single(s => s.GetProperty("name").GetString() == "release");
        Assert.Equal("knowledge", release.GetProperty("type").GetString());
        Assert.Contains("Tag then push.", release.GetProperty("content").GetString());
        Assert.Equal("""["release"]""", release.GetProperty("triggers").GetRawText());
        var hooks = (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/hooks")).GetProperty("hooks");
        Assert.Equal(
            """[{"event_type":"pre_tool_use","matchers":[{"matcher":"terminal","hooks":[{"type":"command","command":"./check.sh","timeout":60,"async":false}]}]},"""
            + """{"event_type":"stop","matchers":[{"matcher":"*","hooks":[{"type":"command","command":"echo bye","timeout":5,"async":false}]}]}]""",
            hooks.GetRawText());
        var (unknownStatus, unknownBody) = await flow.SendAsync(HttpMethod.Get, $"api/v1/app-conversations/{Guid.NewGuid():N}/skills");
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.True(AppFlow.Parse(unknownBody).TryGetProperty("error", out _));

        // /download: meta.json and every stored event, in order.
        var count = (await flow.JsonAsync(HttpMethod.Get, $"api/v1/events/count?conversation_id__eq={id}")).GetInt32();
        using (var response = await server.Http.GetAsync($"{basePath}/download"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains($"conversation_{id}.zip", string.Join(",", response.Content.Headers.GetValues("Content-Disposition")));
            using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync());
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Equal("meta.json", names[0]);
            using (var meta = JsonDocument.Parse(zip.Entries[0].Open()))
                Assert.Equal(id, meta.RootElement.GetProperty("id").GetString());
            var events = names.Skip(1).ToList();
            Assert.True(events.Count >= count, $"{events.Count} < {count}");
            for (var i = 0; i < events.Count; i++)
            {
                Assert.StartsWith($"event_{i:D6}_", events[i]);
                using var e = JsonDocument.Parse(zip.GetEntry(events[i])!.Open());
                Assert.Equal($"event_{i:D6}_{e.RootElement.GetProperty("id").GetString()}.json", events[i]);
            }
        }
        Assert.Equal(HttpStatusCode.NotFound, (await flow.SendAsync(HttpMethod.Get, $"api/v1/app-conversations/{Guid.NewGuid():N}/download")).Status);

        // Paused: skills and hooks are empty lists, the file is "", the download still works from the copy.
        Assert.True(await server.Sandboxes.PauseAsync(null, sandboxId));
        Assert.Equal("""{"skills":[]}""", (await flow.SendAsync(HttpMethod.Get, $"{basePath}/skills")).Body);
        Assert.Equal("""{"hooks":[]}""", (await flow.SendAsync(HttpMethod.Get, $"{basePath}/hooks")).Body);
        Assert.Equal("", (await flow.JsonAsync(HttpMethod.Get, $"{basePath}/file")).GetString());
        Assert.Equal(HttpStatusCode.OK, (await flow.SendAsync(HttpMethod.Get, $"{basePath}/download")).Status);
    }
}
