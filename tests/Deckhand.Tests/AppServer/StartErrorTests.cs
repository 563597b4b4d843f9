using System.Net;
using System.Text.Json;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary>Starts that cannot succeed end in ERROR with a detail naming the step and the cause; bad requests get a 4xx.</summary>
public sealed class StartErrorTests(PostgresServer postgres) : IAsyncLifetime
{
    private readonly string _dir = TempDir.Create("deckhand-start-errors");
    private ScriptedLlmServer _llm = null!;

    public async ValueTask InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _llm.DisposeAsync();
        TempDir.Delete(_dir);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task UnknownBranch_EndsInError_AtPreparingRepository_AndTheSandboxItStartedIsDeleted(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres));
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var repo = AppFlow.CreateRepository(_dir, "gadgets-" + backend, new Dictionary<string, string> { ["a.txt"] = "a" });

        var snapshots = await flow.StreamStartAsync($$"""{"selected_repository":"{{repo}}","selected_branch":"no-such-branch"}""");

        Assert.Equal(["WORKING", "WAITING_FOR_SANDBOX", "PREPARING_REPOSITORY", "ERROR"], AppFlow.Statuses(snapshots));
        var detail = snapshots[^1].GetProperty("detail").GetString()!;
        Assert.StartsWith("PREPARING_REPOSITORY: Branch 'no-such-branch' does not exist in " + repo, detail);
        Assert.Equal(JsonValueKind.Null, snapshots[^1].GetProperty("app_conversation_id").ValueKind);
        Assert.Equal("ERROR", (await flow.TaskAsync(snapshots[0].GetProperty("id").GetString()!)).GetProperty("status").GetString());
        var sandboxId = snapshots[1].GetProperty("sandbox_id").GetString()!;
        await Wait.UntilAsync(async () => await server.GetSandboxAsync(sandboxId) is null, "the failed start's sandbox to be deleted");
        Assert.Equal(0, (await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/count")).GetInt32());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task BadRepositories_EndInError_WithTheCause(string backend)
    {
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres), configure: o => o with
        {
            GitProviderUrls = new Dictionary<string, string> { ["github"] = "http://127.0.0.1:9" },
        });
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var sandbox = await server.StartSandboxAsync();
        var notGit = Path.Combine(_dir, "plain-folder-" + backend);
        Directory.CreateDirectory(notGit);

        async Task<string> ErrorOf(string repository)
        {
            var task = await flow.StartAsync($$"""{"selected_repository":{{JsonSerializer.Serialize(repository)}},"sandbox_id":"{{sandbox.Id}}"}""");
            var (end, seen) = await flow.WaitForEndAsync(task.GetProperty("id").GetString()!);
            Assert.Equal("ERROR", seen[^1]);
            return end.GetProperty("detail").GetString()!;
        }

        Assert.Equal("PREPARING_REPOSITORY: Repository /nonexistent/deckhand-repo not found: no such directory on this host.",
            await ErrorOf("/nonexistent/deckhand-repo"));
        Assert.StartsWith($"PREPARING_REPOSITORY: Could not clone {notGit}: fatal:", await ErrorOf(notGit));
        var unreachable = await ErrorOf("acme/widgets");
        Assert.StartsWith("PREPARING_REPOSITORY: Could not clone acme/widgets: fatal:", unreachable);
        Assert.Contains("no GITHUB_TOKEN secret", unreachable);
        Assert.Equal("PREPARING_REPOSITORY: selected_repository 'not a repo' is not owner/repo, a git URL or an absolute path.",
            await ErrorOf("not a repo"));
        Assert.StartsWith("PREPARING_REPOSITORY: selected_repository contains characters", await ErrorOf("acme/widgets;rm -rf ~"));

        // A sandbox given by the request is the caller's: a failed start leaves it running.
        Assert.Equal("RUNNING", (await flow.JsonAsync(HttpMethod.Get, $"api/v1/sandboxes?id={sandbox.Id}"))[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task NoModel_UnknownSandbox_AndBadRequests()
    {
        await using var server = await TestAppServer.StartAsync();
        var flow = new AppFlow(server);

        var noModel = await flow.StreamStartAsync("{}");
        Assert.Equal(["WORKING", "ERROR"], AppFlow.Statuses(noModel));
        Assert.StartsWith("WORKING: No LLM model is configured", noModel[^1].GetProperty("detail").GetString());

        await flow.ConfigureAsync(_llm);
        var noSandbox = await flow.StreamStartAsync("""{"sandbox_id":"nope"}""");
        Assert.Equal("WORKING: Sandbox not found: nope", noSandbox[^1].GetProperty("detail").GetString());

        foreach (var (body, field) in new[]
                 {
                     ("""{"agent_type":"expert"}""", "agent_type"),
                     ("""{"processors":[{"kind":"NoSuchProcessor"}]}""", "processors"),
                     ("""{"git_provider":"sourceforge"}""", "git_provider"),
                     ("""{"selected_branch":"bad..name"}""", "selected_branch"),
                     ("""{"parent_conversation_id":"not-a-uuid"}""", "parent_conversation_id"),
                     ("""{"initial_message":{"role":"assistant","content":[]}}""", "initial_message"),
                 })
        {
            var (status, text) = await flow.SendAsync(HttpMethod.Post, "api/v1/app-conversations", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Contains(field, text);
        }
        var (missing, detail) = await flow.SendAsync(HttpMethod.Post, "api/v1/app-conversations",
            $$"""{"parent_conversation_id":"{{Guid.NewGuid():N}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("Parent conversation not found", detail);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await flow.SendAsync(HttpMethod.Post, "api/v1/app-conversations", "[1]")).Status);

        // Only the two flows above created tasks; bad requests created none.
        Assert.Equal(2, (await flow.JsonAsync(HttpMethod.Get, "api/v1/app-conversations/start-tasks/count")).GetInt32());
        var batch = await flow.JsonAsync(HttpMethod.Get, $"api/v1/app-conversations/start-tasks?ids={noModel[0].GetProperty("id").GetString()}&ids={Guid.NewGuid():N}");
        Assert.Equal("ERROR", batch[0].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, batch[1].ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await flow.SendAsync(HttpMethod.Get, "api/v1/app-conversations/start-tasks?ids=zzz")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await flow.SendAsync(HttpMethod.Get, "api/v1/app-conversations/start-tasks/search?sort_order=SIDEWAYS")).Status);
    }
}
