using System.Net;
using System.Text.Json;
using Deckhand.Tests.Support;
using static Deckhand.Tests.Support.Workspaces;

namespace Deckhand.Tests.AgentServer;

/// <summary><c>/api/git</c> on a real temporary repository.</summary>
public sealed class GitRoutesTests : IAsyncLifetime
{
    private readonly string _workspace = TempDir.Create("deckhand-git");
    private TestAgentServer _server = null!;
    private string _repo = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await TestAgentServer.StartAsync();
        await AddConversationAsync(_server, _workspace);
        _repo = Path.Combine(_workspace, "repo");
        Directory.CreateDirectory(_repo);
        Git(_repo, "init", "-q");
        Write("modified.txt", "one\n");
        Write("deleted.txt", "gone soon\n");
        Write("kept.txt", "same\n");
        Write(".gitignore", "*.log\n");
        Git(_repo, "add", "-A");
        Git(_repo, "commit", "-q", "-m", "first");
        Write("modified.txt", "one\ntwo\n");
        File.Delete(Path.Combine(_repo, "deleted.txt"));
        Write("staged.txt", "staged\n");
        Git(_repo, "add", "staged.txt");
        Write("untracked.txt", "new\n");
        Write("dir with space/ünïcode.txt", "x\n");
        Write("ignored.log", "noise\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        TempDir.Delete(_workspace);
    }

    [Fact]
    public async Task Changes_ListAddedUpdatedDeletedAndUntracked_SortedByPath()
    {
        var changes = await GetJsonAsync($"api/git/changes?path={Q(_repo)}");
        var listed = changes.EnumerateArray().Select(c => $"{c.GetProperty("status").GetString()} {c.GetProperty("path").GetString()}");
        Assert.Equal(
        [
            "DELETED deleted.txt",
            "ADDED dir with space/ünïcode.txt",
            "UPDATED modified.txt",
            "ADDED staged.txt",
            "ADDED untracked.txt",
        ], listed);

        // Explicit ref, and a nested repository seen from the workspace above it.
        Assert.Equal(5, (await GetJsonAsync($"api/git/changes?path={Q(_repo)}&ref=HEAD")).GetArrayLength());
        var fromAbove = await GetJsonAsync($"api/git/changes?path={Q(_workspace)}");
        Assert.Contains(fromAbove.EnumerateArray(), c => c.GetProperty("path").GetString() == "repo/modified.txt");
    }

    [Fact]
    public async Task Changes_OfANonRepository_IsEmpty_AndAnUnknownRef_Is400()
    {
        var plain = Path.Combine(_workspace, "plain");
        Directory.CreateDirectory(plain);
        Assert.Equal(0, (await GetJsonAsync($"api/git/changes?path={Q(plain)}")).GetArrayLength());

        var bad = await _server.Http.GetAsync($"api/git/changes?path={Q(_repo)}&ref=no-such-branch");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("detail", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_GivesWorkingCopyAndBase()
    {
        var modified = await GetJsonAsync($"api/git/diff?path={Q(Path.Combine(_repo, "modified.txt"))}");
        Assert.Equal("one\ntwo\n", modified.GetProperty("modified").GetString());
        Assert.Equal("one\n", modified.GetProperty("original").GetString());

        var deleted = await GetJsonAsync($"api/git/diff?path={Q(Path.Combine(_repo, "deleted.txt"))}");
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("modified").ValueKind);
        Assert.Equal("gone soon\n", deleted.GetProperty("original").GetString());

        var untracked = await GetJsonAsync($"api/git/diff?path={Q(Path.Combine(_repo, "untracked.txt"))}");
        Assert.Equal("new\n", untracked.GetProperty("modified").GetString());
        Assert.Equal(JsonValueKind.Null, untracked.GetProperty("original").ValueKind);

        var plain = Path.Combine(_workspace, "notes.txt");
        File.WriteAllText(plain, "x");
        var outside = await GetJsonAsync($"api/git/diff?path={Q(plain)}");
        Assert.Equal(JsonValueKind.Null, outside.GetProperty("modified").ValueKind);
        Assert.Equal(JsonValueKind.Null, outside.GetProperty("original").ValueKind);
    }

    [Fact]
    public async Task Diff_OfACommit_ShowsWhatThatCommitChanged()
    {
        Git(_repo, "add", "-A");
        Git(_repo, "commit", "-q", "-m", "second");
        var sha = Git(_repo, "rev-parse", "HEAD").Trim();
        var diff = await GetJsonAsync($"api/git/diff?path={Q(Path.Combine(_repo, "modified.txt"))}&commit={sha[..12]}");
        Assert.Equal("one\ntwo\n", diff.GetProperty("modified").GetString());
        Assert.Equal("one\n", diff.GetProperty("original").GetString());
    }

    [Fact]
    public async Task Diff_RefAndCommitTogether400_BadCommit422_Outside403()
    {
        var file = Q(Path.Combine(_repo, "modified.txt"));
        var both = await _server.Http.GetAsync($"api/git/diff?path={file}&ref=HEAD&commit=abcd");
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal("""{"detail":"'ref' and 'commit' are mutually exclusive"}""", await both.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _server.Http.GetAsync($"api/git/diff?path={file}&commit=xyz")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _server.Http.GetAsync($"api/git/diff?path={file}&commit=--output=x")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _server.Http.GetAsync($"api/git/diff?path={Q("/etc/hostname")}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _server.Http.GetAsync($"api/git/changes?path={Q(_workspace + "/..")}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Http.GetAsync("api/git/changes?path=repo")).StatusCode);
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_repo, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        var response = await _server.Http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Q(string value) => Uri.EscapeDataString(value);
}
