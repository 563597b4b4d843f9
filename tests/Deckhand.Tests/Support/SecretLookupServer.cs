using System.Collections.Concurrent;
using System.Net;
using Deckhand.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.Support;

/// <summary>A loopback HTTP server that hands out one secret at <c>/secret</c> when the request carries the expected header.</summary>
public sealed class SecretLookupServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string?> _headers = new();

    private SecretLookupServer(WebApplication app) => _app = app;

    public Uri SecretUrl { get; private set; } = null!;

    /// <summary>The value of the expected header on each request received.</summary>
    public IReadOnlyList<string?> HeadersSeen => [.. _headers];

    public static async Task<SecretLookupServer> StartAsync(string headerName, string headerValue, string secret)
    {
                var builder = LoopbackHost.CreateBuilder();
        var app = builder.Build();
        var server = new SecretLookupServer(app);
        app.MapGet("/secret", (HttpRequest request) =>
        {
            var seen = request.Headers[headerName].ToString();
            server._headers.Enqueue(seen);
            return seen == headerValue ? Results.Text(secret, "text/plain") : Results.StatusCode(StatusCodes.Status401Unauthorized);
        });
        await app.StartAsync();
        server.SecretUrl = new Uri(app.Urls.First().TrimEnd('/') + "/secret");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
