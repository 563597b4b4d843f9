using Deckhand.Testing.Hosting;
using Deckhand.Testing.Llm;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary><c>owner/repo</c> from a private git host, with the user's provider token: through askpass, never in a URL, log or command line.</summary>
public sealed class GitTokenTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string Token = "ghp_fakeProviderToken5521xyz";

    private readonly string _dir = TempDir.Create("deckhand-git-token");
    private ScriptedLlmServer _llm = null!;
    private FakeGitHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _llm = await ScriptedLlmServer.StartAsync();
        _host = await FakeGitHost.StartAsync(Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _llm.DisposeAsync();
        TempDir.Delete(_dir);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task OwnerRepo_IsClonedWithTheProviderToken_WhichTheAgentGetsAsASecret_AndNoOneElseSees(string backend)
    {
        var source = AppFlow.CreateRepository(_dir, "widgets", new Dictionary<string, string> { ["README.md"] = "private widgets\n" });
        Workspaces.Git(source, "branch", "release");
        _host.Publish(source, "acme", "widgets");
        var logs = new RecordingLoggerProvider();
        await using var server = await TestAppServer.StartAsync(database: await TestDatabases.ConnectionAsync(backend, postgres), logs: logs, configure: o => o with
        {
            GitProviderUrls = new Dictionary<string, string> { ["github"] = _host.BaseUrl.ToString() },
        });
        var flow = new AppFlow(server);
        await flow.ConfigureAsync(_llm);
        var sandbox = await server.StartSandboxAsync();
        const string request = """{"selected_repository":"acme/widgets","git_provider":"github","selected_branch":"release","sandbox_id":"SANDBOX"}""";

        // Without a token the private host refuses, and the detail says which secret would help.
        var refused = await flow.StartAsync(request.Replace("SANDBOX", sandbox.Id, StringComparison.Ordinal));
        var (failed, _) = await flow.WaitForEndAsync(refused.GetProperty("id").GetString()!);
        Assert.Equal("ERROR", failed.GetProperty("status").GetString());
        Assert.Contains("no GITHUB_TOKEN secret or provider token", failed.GetProperty("detail").GetString());
        Assert.Equal(0, _host.AuthorizedRequests);

        await flow.JsonAsync(HttpMethod.Post, "api/secrets", $$"""{"name":"GITHUB_TOKEN","value":"{{Token}}"}""", System.Net.HttpStatusCode.Created);
        var task = await flow.StartAsync(request.Replace("SANDBOX", sandbox.Id, StringComparison.Ordinal));
        var (ready, _) = await flow.WaitForEndAsync(task.GetProperty("id").GetString()!);
        Assert.True(ready.GetProperty("status").GetString() == "READY", ready.GetProperty("detail").ToString());

        Assert.True(_host.ChallengedRequests > 0);
        Assert.True(_host.AuthorizedRequests > 0);
        Assert.Empty(_host.Leaks);
        var project = Path.Combine(server.DataDir, "sandboxes", sandbox.Id, "workspace", "widgets");
        Assert.Equal("private widgets\n", File.ReadAllText(Path.Combine(project, "README.md")));
        Assert.Equal("release", Workspaces.Git(project, "rev-parse", "--abbrev-ref", "HEAD").Trim());
        Assert.Equal($"{_host.BaseUrl}acme/widgets.git", Workspaces.Git(project, "remote", "get-url", "origin").Trim());
        Assert.DoesNotContain(Token, File.ReadAllText(Path.Combine(project, ".git", "config")));

        var conversation = await flow.ConversationAsync(ready.GetProperty("app_conversation_id").GetString()!);
        Assert.Equal("acme/widgets", conversation.GetProperty("selected_repository").GetString());
        Assert.Equal("github", conversation.GetProperty("git_provider").GetString());
        var info = await AppFlow.Agent(conversation).GetConversationAsync(Guid.Parse(conversation.GetProperty("id").GetString()!));
        Assert.Contains("GITHUB_TOKEN", info!.SecretRegistry.SecretSources.Keys);

        Assert.DoesNotContain(flow.Bodies, body => body.Contains(Token, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(Token, StringComparison.Ordinal));
        Assert.DoesNotContain(Token, File.ReadAllText(Path.Combine(server.DataDir, "sandboxes", sandbox.Id, "agent-server.log")));
        Procs.AssertNowhereOnACommandLine(Token);
    }
}
