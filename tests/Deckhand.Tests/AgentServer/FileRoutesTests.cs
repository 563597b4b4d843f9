using System.Net;
using System.Net.Http.Headers;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AgentServer;

/// <summary><c>/api/file</c>: round trips inside a conversation's workspace, and nothing outside it.</summary>
public sealed class FileRoutesTests : IAsyncLifetime
{
    private readonly string _workspace = TempDir.Create("deckhand-ws");
    private readonly string _outside = TempDir.Create("deckhand-outside");
    private TestAgentServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await TestAgentServer.StartAsync();
        await Workspaces.AddConversationAsync(_server, _workspace);
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "outside");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        TempDir.Delete(_workspace);
        TempDir.Delete(_outside);
    }

    [Fact]
    public async Task Upload_ThenDownload_RoundTripsBinaryBytes_CreatingParentDirectories()
    {
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0;
        bytes[1] = 0xFF;
        var path = Path.Combine(_workspace, "deep", "er", "blob.bin");

        var upload = await UploadAsync(path, bytes);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal("""{"success":true}""", await upload.Content.ReadAsStringAsync());
        Assert.Equal(bytes, File.ReadAllBytes(path));

        var download = await DownloadAsync(path);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("blob.bin", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());

        // Overwriting replaces the content.
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(path, [1, 2, 3])).StatusCode);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".*upload-*"));
    }

    [Fact]
    public async Task RelativePaths_Get400_PathMustBeAbsolute()
    {
        foreach (var response in new[]
                 {
                     await DownloadAsync("relative/file.txt"),
                     await UploadAsync("relative/file.txt", [1]),
                     await CreateDirectoryAsync("relative/dir"),
                 })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("""{"detail":"Path must be absolute"}""", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _server.Http.GetAsync("api/file/download")).StatusCode);
    }

    [Fact]
    public async Task DotDotTraversal_IsRefused_OnDownloadAndUpload()
    {
        var outsideName = Path.GetFileName(_outside);
        var escape = $"{_workspace}/../{outsideName}/secret.txt";
        Assert.True(File.Exists(escape));
        Assert.Equal(HttpStatusCode.Forbidden, (await DownloadAsync(escape)).StatusCode);

        var planted = $"{_workspace}/sub/../../{outsideName}/planted.txt";
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(planted, [1, 2])).StatusCode);
        Assert.False(File.Exists(Path.Combine(_outside, "planted.txt")));
        Assert.Equal(HttpStatusCode.Forbidden, (await CreateDirectoryAsync($"{_workspace}/../{outsideName}/made")).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(_outside, "made")));

        // `..` that stays inside is fine.
        Directory.CreateDirectory(Path.Combine(_workspace, "sub"));
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync($"{_workspace}/sub/../inside.txt", [7])).StatusCode);
        Assert.Equal([7], File.ReadAllBytes(Path.Combine(_workspace, "inside.txt")));
    }

    [Fact]
    public async Task SymlinksOutOfTheWorkspace_AreRefused_OnDownloadAndUpload()
    {
        Directory.CreateSymbolicLink(Path.Combine(_workspace, "etc"), "/etc");
        Directory.CreateSymbolicLink(Path.Combine(_workspace, "data"), _server.DataDir);
        Directory.CreateSymbolicLink(Path.Combine(_workspace, "out"), _outside);
        File.CreateSymbolicLink(Path.Combine(_workspace, "passwd"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(_workspace, "dangling"), Path.Combine(_outside, "new.txt"));

        foreach (var path in new[] { "etc/passwd", "passwd", "out/secret.txt", "data/deckhand.db" })
        {
            var response = await DownloadAsync(Path.Combine(_workspace, path));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"download {path}: {(int)response.StatusCode}");
        }
        foreach (var path in new[] { "etc/deckhand-test", "out/planted.txt", "data/planted.txt", "dangling", "passwd" })
        {
            var response = await UploadAsync(Path.Combine(_workspace, path), [1, 2, 3]);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"upload {path}: {(int)response.StatusCode}");
        }
        Assert.False(File.Exists("/etc/deckhand-test"));
        Assert.False(File.Exists(Path.Combine(_outside, "planted.txt")));
        Assert.False(File.Exists(Path.Combine(_outside, "new.txt")));
        Assert.False(File.Exists(Path.Combine(_server.DataDir, "planted.txt")));
        Assert.Equal(HttpStatusCode.Forbidden, (await CreateDirectoryAsync(Path.Combine(_workspace, "data", "x"))).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(_server.DataDir, "x")));

        // A link that stays inside the workspace is followed.
        Directory.CreateDirectory(Path.Combine(_workspace, "real"));
        File.WriteAllText(Path.Combine(_workspace, "real", "a.txt"), "inside");
        Directory.CreateSymbolicLink(Path.Combine(_workspace, "alias"), Path.Combine(_workspace, "real"));
        Assert.Equal("inside", await (await DownloadAsync(Path.Combine(_workspace, "alias", "a.txt"))).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PathsOutsideEveryWorkspace_AreRefused()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await DownloadAsync(Path.Combine(_outside, "secret.txt"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await DownloadAsync("/etc/passwd")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await DownloadAsync(Path.Combine(_server.DataDir, "deckhand.db"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(Path.Combine(_outside, "x.txt"), [1])).StatusCode);
        Assert.False(File.Exists(Path.Combine(_outside, "x.txt")));
    }

    [Fact]
    public async Task CreateDirectory_MakesParents_IsIdempotent_AndRefusesAFile()
    {
        var dir = Path.Combine(_workspace, "a", "b", "c");
        Assert.Equal(HttpStatusCode.OK, (await CreateDirectoryAsync(dir)).StatusCode);
        Assert.True(Directory.Exists(dir));
        Assert.Equal(HttpStatusCode.OK, (await CreateDirectoryAsync(dir)).StatusCode);

        var file = Path.Combine(_workspace, "file.txt");
        File.WriteAllText(file, "x");
        var response = await CreateDirectoryAsync(file);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Path exists and is not a directory", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_MissingFile404_Directory400_UploadWithoutFile422()
    {
        var missing = await DownloadAsync(Path.Combine(_workspace, "nope.txt"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("""{"detail":"File not found"}""", await missing.Content.ReadAsStringAsync());
        var directory = await DownloadAsync(_workspace);
        Assert.Equal(HttpStatusCode.BadRequest, directory.StatusCode);
        Assert.Equal("""{"detail":"Path is not a file"}""", await directory.Content.ReadAsStringAsync());

        using var form = new MultipartFormDataContent { { new StringContent("x"), "other" } };
        var noFile = await _server.Http.PostAsync($"api/file/upload?path={Uri.EscapeDataString(Path.Combine(_workspace, "f"))}", form);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noFile.StatusCode);
    }

    private async Task<HttpResponseMessage> UploadAsync(string path, byte[] bytes)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent { { content, "file", Path.GetFileName(path) } };
        return await _server.Http.PostAsync($"api/file/upload?path={Uri.EscapeDataString(path)}", form);
    }

    private Task<HttpResponseMessage> DownloadAsync(string path) =>
        _server.Http.GetAsync($"api/file/download?path={Uri.EscapeDataString(path)}");

    private Task<HttpResponseMessage> CreateDirectoryAsync(string path) =>
        _server.Http.PostAsync($"api/file/create_directory?path={Uri.EscapeDataString(path)}", null);
}
