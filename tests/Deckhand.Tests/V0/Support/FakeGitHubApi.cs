using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Deckhand.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.V0.Support;

/// <summary>
/// A small GitHub REST API on loopback: one account (<c>octo</c>) whose token is <see cref="Token"/>, two repositories,
/// branches paged with a <c>Link</c> header, repository search, and one repository with microagents. Any other token
/// gets GitHub's 401. Records the path of every request, and every <c>Authorization</c> header it saw.
/// </summary>
public sealed class FakeGitHubApi : IAsyncDisposable
{
    public const string Token = "ghp_fakeGitHubToken0123456789";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _paths = new();

    private FakeGitHubApi(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<string> Paths => [.. _paths];

    public static async Task<FakeGitHubApi> StartAsync()
    {
                var builder = LoopbackHost.CreateBuilder();
        var app = builder.Build();
        var fake = new FakeGitHubApi(app);
        app.Run(fake.ServeAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Urls.First().TrimEnd('/');
        return fake;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        _paths.Enqueue(path + context.Request.QueryString);
        if (context.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            await JsonAsync(context, new JsonObject { ["message"] = "Bad credentials" }, 401);
            return;
        }
        var query = context.Request.Query;
        switch (path)
        {
            case "/user":
                await JsonAsync(context, new JsonObject
                {
                    ["id"] = 4242, ["login"] = "octo", ["avatar_url"] = "https://avatars.example/octo", ["company"] = null,
                    ["name"] = "Octo Cat", ["email"] = "octo@example.com",
                });
                return;
            case "/user/repos":
                context.Response.Headers["Link"] = $"<{BaseUrl}/user/repos?page=2>; rel=\"next\"";
                await JsonAsync(context, new JsonArray(Repo(1, "octo/hello", false, 5, "User"), Repo(2, "acme/tools", true, 12, "Organization")));
                return;
            case "/user/installations":
                await JsonAsync(context, new JsonObject { ["message"] = "You must authenticate with an access token authorized to a GitHub App" }, 403);
                return;
            case "/search/repositories":
                await JsonAsync(context, new JsonObject
                {
                    ["total_count"] = 1,
                    ["items"] = new JsonArray(Repo(3, $"found/{query["q"]}", false, 99, "User")),
                });
                return;
            case "/repos/octo/hello/branches":
                var page = query["page"].ToString() is { Length: > 0 } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : 1;
                if (page == 1)
                    context.Response.Headers["Link"] = $"<{BaseUrl}/repos/octo/hello/branches?page=2>; rel=\"next\"";
                await JsonAsync(context, page == 1
                    ? new JsonArray(Branch("main", "aaa111", true), Branch("feature-login", "bbb222", false), Branch("fix-typo", "ccc333", false))
                    : new JsonArray(Branch("release-1", "ddd444", false)));
                return;
            case "/repos/octo/hello/contents/.openhands/microagents":
                await JsonAsync(context, new JsonArray(
                    new JsonObject { ["type"] = "file", ["name"] = "deploy.md", ["path"] = ".openhands/microagents/deploy.md" },
                    new JsonObject { ["type"] = "file", ["name"] = "README.md", ["path"] = ".openhands/microagents/README.md" },
                    new JsonObject { ["type"] = "dir", ["name"] = "nested", ["path"] = ".openhands/microagents/nested" }));
                return;
            case "/repos/octo/hello/commits":
                await JsonAsync(context, new JsonArray(new JsonObject
                {
                    ["sha"] = "aaa111", ["commit"] = new JsonObject { ["committer"] = new JsonObject { ["date"] = "2025-10-01T12:00:00Z" } },
                }));
                return;
            case "/repos/octo/hello/contents/.openhands/microagents/deploy.md":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("---\nname: deploy\ntriggers:\n- deploy\n- release\n---\nRun make deploy.\n");
                return;
            default:
                await JsonAsync(context, new JsonObject { ["message"] = "Not Found" }, 404);
                return;
        }
    }

    private static JsonObject Repo(int id, string fullName, bool isPrivate, int stars, string ownerType) => new()
    {
        ["id"] = id, ["full_name"] = fullName, ["private"] = isPrivate, ["stargazers_count"] = stars,
        ["pushed_at"] = "2025-11-01T10:00:00Z", ["default_branch"] = "main", ["owner"] = new JsonObject { ["type"] = ownerType },
    };

    private static JsonObject Branch(string name, string sha, bool isProtected) => new()
    {
        ["name"] = name, ["commit"] = new JsonObject { ["sha"] = sha }, ["protected"] = isProtected,
    };

    private static async Task JsonAsync(HttpContext context, JsonNode body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
