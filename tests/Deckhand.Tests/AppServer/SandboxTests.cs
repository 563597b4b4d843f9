using System.Net;
using System.Net.Http.Json;
using Deckhand.AppServer.Sandboxes.Processes;
using Deckhand.Client;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary>One app server (with an API key) and one running sandbox, shared by the tests that only look or that restore what they change.</summary>
public sealed class RunningSandbox : IAsyncLifetime
{
    public const string ApiKey = "shared-app-key-5d1a";

    public TestAppServer Server { get; private set; } = null!;
    public SandboxInfo Sandbox { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await TestAppServer.StartAsync(apiKey: ApiKey);
        Sandbox = await Server.StartSandboxAsync();
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary><c>/api/v1/sandboxes</c> and <c>/api/v1/sandbox-specs</c> against a live process sandbox.</summary>
public sealed class SandboxTests(RunningSandbox shared) : IClassFixture<RunningSandbox>
{
    private TestAppServer Server => shared.Server;
    private SandboxInfo Sandbox => shared.Sandbox;

    [Fact]
    public async Task Start_GivesARunningSandbox_WhoseAgentServerAnswersOnlyToItsKey()
    {
        Assert.Equal(SandboxStatus.Running, Sandbox.Status);
        Assert.Equal(ProcessSandboxProvider.SpecId, Sandbox.SandboxSpecId);
        Assert.Null(Sandbox.CreatedByUserId);
        Assert.True(Sandbox.SessionApiKey!.Length >= 40);
        var url = Assert.Single(Sandbox.ExposedUrls!);
        Assert.Equal("AGENT_SERVER", url.Name);
        Assert.StartsWith("http://127.0.0.1:", url.Url);
        Assert.Equal(new Uri(url.Url).Port, url.Port);

        using var http = new HttpClient { BaseAddress = new Uri(url.Url + "/") };
        Assert.Empty((await new AgentServerClient(http, Sandbox.SessionApiKey).SearchConversationsAsync()).Items);
        var refused = await Assert.ThrowsAsync<AgentServerException>(() => new AgentServerClient(http, "wrong-key").SearchConversationsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/conversations/count")).StatusCode);
    }

    [Fact]
    public async Task SandboxProcess_IsASessionLeaderInItsOwnDirectory_AndNoKeyIsOnAnyCommandLine()
    {
        var runtime = await Server.RuntimeAsync(Sandbox.Id);
        Assert.Equal(Path.Combine(Server.DataDir, "sandboxes", Sandbox.Id), runtime.Directory);
        Assert.True(Directory.Exists(Path.Combine(runtime.Directory, "workspace")));
        Assert.True(File.Exists(Path.Combine(runtime.Directory, ProcessSandboxProvider.LogFileName)));
        var stat = LinuxProcess.Read(runtime.Pid);
        Assert.Equal(runtime.Pid, stat!.Value.Session);
        Assert.Contains("agent-server", LinuxProcess.CommandLine(runtime.Pid));
        Assert.Equal(Path.Combine(runtime.Directory, "workspace"), Server.Sandboxes.WorkingDirectory((await Server.Sandboxes.FindAsync(null, Sandbox.Id))!));
        Procs.AssertNowhereOnACommandLine(Sandbox.SessionApiKey!, RunningSandbox.ApiKey);
    }

    [Fact]
    public async Task BatchGet_FollowsTheRequestedOrder_WithNullForUnknownIds()
    {
        using var response = await Server.Http.GetAsync($"api/v1/sandboxes?id={Sandbox.Id}&id=no-such-sandbox&id={Sandbox.Id}");
        var json = await response.Content.ReadAsStringAsync();
        var items = System.Text.Json.JsonSerializer.Deserialize(json, DeckhandJson.Wire.ListSandboxInfo)!;
        Assert.Equal(3, items.Count);
        Assert.Equal(Sandbox.Id, items[0]!.Id);
        Assert.Null(items[1]);
        Assert.Equal(Sandbox.Id, items[2]!.Id);
        Assert.Contains(",null,", json);

        Assert.Equal("[null]", await Server.Http.GetStringAsync("api/v1/sandboxes?id=unknown"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Server.Http.GetAsync("api/v1/sandboxes")).StatusCode);
        var tooMany = string.Join('&', Enumerable.Range(0, 100).Select(i => $"id=s{i}"));
        using var refused = await Server.Http.GetAsync("api/v1/sandboxes?" + tooMany);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Maximum is 99", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Search_ListsTheSandbox_AndValidatesLimit()
    {
        var page = await Server.Http.GetFromJsonAsync("api/v1/sandboxes/search", DeckhandJson.Wire.SandboxPage);
        var item = Assert.Single(page!.Items);
        Assert.Equal(Sandbox.Id, item.Id);
        Assert.Null(page.NextPageId);
        Assert.Contains("\"next_page_id\":null", await Server.Http.GetStringAsync("api/v1/sandboxes/search?limit=1"));
        Assert.Empty((await Server.Http.GetFromJsonAsync("api/v1/sandboxes/search?page_id=1", DeckhandJson.Wire.SandboxPage))!.Items);
        foreach (var bad in new[] { "0", "101", "abc" })
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Server.Http.GetAsync($"api/v1/sandboxes/search?limit={bad}")).StatusCode);
    }

    [Fact]
    public async Task PauseAndResume_StopAndContinueTheProcess()
    {
        var runtime = await Server.RuntimeAsync(Sandbox.Id);
        try
        {
            Assert.Equal("""{"success":true}""", await PostAsync($"api/v1/sandboxes/{Sandbox.Id}/pause"));
            // SIGSTOP is delivered asynchronously: a busy machine can show the process running for a moment.
            await Wait.UntilAsync(() => Task.FromResult(Procs.State(runtime.Pid) == 'T'), "the sandbox process to stop");
            var paused = await Server.GetSandboxAsync(Sandbox.Id);
            Assert.Equal(SandboxStatus.Paused, paused!.Status);
            Assert.Null(paused.SessionApiKey);
            Assert.Null(paused.ExposedUrls);
        }
        finally
        {
            Assert.Equal("""{"success":true}""", await PostAsync($"api/v1/sandboxes/{Sandbox.Id}/resume"));
        }
        Assert.NotEqual('T', Procs.State(runtime.Pid));
        var resumed = await Server.GetSandboxAsync(Sandbox.Id);
        Assert.Equal(SandboxStatus.Running, resumed!.Status);
        Assert.Equal(Sandbox.SessionApiKey, resumed.SessionApiKey);
        Assert.Equal(runtime.Pid, (await Server.RuntimeAsync(Sandbox.Id)).Pid);
    }

    [Fact]
    public async Task UnknownSandbox_PauseResumeDelete_Are404()
    {
        foreach (var path in new[] { "api/v1/sandboxes/nope/pause", "api/v1/sandboxes/nope/resume" })
        {
            using var response = await Server.Http.PostAsync(path, null);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("""{"detail":"Not Found"}""", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.DeleteAsync("api/v1/sandboxes/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.DeleteAsync("api/v1/sandboxes?sandbox_id=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Server.Http.DeleteAsync("api/v1/sandboxes")).StatusCode);
    }

    [Fact]
    public async Task Specs_SearchAndBatchGet_AndAnUnknownSpecIsRefused()
    {
        var page = await Server.Http.GetFromJsonAsync("api/v1/sandbox-specs/search", DeckhandJson.Wire.SandboxSpecInfoPage);
        var spec = Assert.Single(page!.Items);
        Assert.Equal(ProcessSandboxProvider.SpecId, spec.Id);
        Assert.Equal("agent-server", spec.Command![^1]);
        Assert.Null(page.NextPageId);
        var batch = await Server.Http.GetFromJsonAsync($"api/v1/sandbox-specs?id={spec.Id}&id=other", DeckhandJson.Wire.ListSandboxSpecInfo);
        Assert.Equal([spec.Id, null], batch!.Select(s => s?.Id));

        using var refused = await Server.Http.PostAsync("api/v1/sandboxes?sandbox_spec_id=ghcr.io/nope", null);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("""{"detail":"Unknown sandbox spec: ghcr.io/nope"}""", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WithoutTheAppKey_SandboxRoutesAre401()
    {
        using var anonymous = new HttpClient { BaseAddress = Server.BaseUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/sandboxes/search")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"api/v1/sandboxes/{Sandbox.Id}/pause", null)).StatusCode);
        Assert.Equal(SandboxStatus.Running, (await Server.GetSandboxAsync(Sandbox.Id))!.Status);
    }

    private async Task<string> PostAsync(string path)
    {
        using var response = await Server.Http.PostAsync(path, null);
        return await response.Content.ReadAsStringAsync();
    }
}
