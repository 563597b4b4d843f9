using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Deckhand.Testing.Hosting;
using Deckhand.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.AppServer.Support;

/// <summary>
/// A private git host on loopback: bare repositories served over git's "dumb" HTTP protocol (plain files), only to
/// requests with HTTP Basic credentials of <see cref="Username"/> and the token. While it answers each request it
/// looks at every process's command line, so a test can prove the token was never on one while git was cloning.
/// </summary>
public sealed class FakeGitHost : IAsyncDisposable
{
    public const string Username = "x-access-token";

    private readonly WebApplication _app;
    private readonly string _root;
    private readonly string _token;
    private readonly ConcurrentQueue<string> _leaks = new();
    private int _authorized;
    private int _challenged;

    private FakeGitHost(WebApplication app, string root, string token)
    {
        _app = app;
        _root = root;
        _token = token;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public int AuthorizedRequests => Volatile.Read(ref _authorized);

    public int ChallengedRequests => Volatile.Read(ref _challenged);

    /// <summary>Command lines that showed the token while a request was being answered.</summary>
    public IReadOnlyList<string> Leaks => [.. _leaks];

    public static async Task<FakeGitHost> StartAsync(string token)
    {
        var root = TempDir.Create("deckhand-githost");
                var builder = LoopbackHost.CreateBuilder();
        var app = builder.Build();
        var host = new FakeGitHost(app, root, token);
        app.Run(host.ServeAsync);
        await app.StartAsync();
        host.BaseUrl = new Uri(app.Urls.First().TrimEnd('/'));
        return host;
    }

    /// <summary>Publishes <paramref name="source"/> as <c>owner/name.git</c>.</summary>
    public void Publish(string source, string owner, string name)
    {
        var bare = Path.Combine(_root, owner, name + ".git");
        Directory.CreateDirectory(Path.GetDirectoryName(bare)!);
        Workspaces.Git(_root, "clone", "-q", "--bare", source, bare);
        Workspaces.Git(bare, "update-server-info");
    }

    private async Task ServeAsync(HttpContext context)
    {
        foreach (var (pid, commandLine) in Procs.CommandLines())
        {
            if (commandLine.Contains(_token, StringComparison.Ordinal))
                _leaks.Enqueue($"{pid}: {commandLine}");
        }
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{_token}"));
        if (context.Request.Headers.Authorization.ToString() != expected)
        {
            Interlocked.Increment(ref _challenged);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"fake git host\"";
            return;
        }
        Interlocked.Increment(ref _authorized);
        var relative = Uri.UnescapeDataString(context.Request.Path.Value!.TrimStart('/'));
        var file = Path.GetFullPath(Path.Combine(_root, relative));
        if (!file.StartsWith(_root + "/", StringComparison.Ordinal) || !File.Exists(file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = "application/octet-stream";
        await context.Response.SendFileAsync(file);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        TempDir.Delete(_root);
    }
}
