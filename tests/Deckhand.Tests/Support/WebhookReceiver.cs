using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Deckhand.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.Support;

/// <summary>One POST the receiver got: path, headers (lower-cased names), raw body, and the status it answered.</summary>
public sealed record ReceivedPost(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>
/// A loopback HTTP server that records every POST (at any path) and answers as a test tells it: 200, an error status
/// for a while, or not at all (it hangs until released or the caller gives up).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedPost> _posts = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failuresLeft;
    private volatile bool _hang;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every post, in arrival order, whatever was answered.</summary>
    public IReadOnlyList<ReceivedPost> Posts => [.. _posts];

    /// <summary>Posts answered 2xx.</summary>
    public IReadOnlyList<ReceivedPost> Accepted => [.. _posts.Where(p => p.Status is >= 200 and < 300)];

    /// <summary>Posts that got no answer (hung).</summary>
    public int Hung => _posts.Count(p => p.Status == 0);

    /// <summary>The next <paramref name="count"/> posts get HTTP 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    /// <summary>Every post from now on hangs until <see cref="Release"/>.</summary>
    public void HangAll() => _hang = true;

    public void Release()
    {
        _hang = false;
        _release.TrySetResult();
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
                var builder = LoopbackHost.CreateBuilder();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (_hang)
        {
            _posts.Enqueue(new ReceivedPost(request.Path, headers, body, 0));
            await _release.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        var status = Interlocked.Decrement(ref _failuresLeft) >= 0 ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
        _posts.Enqueue(new ReceivedPost(request.Path, headers, body, status));
        return status == StatusCodes.Status200OK ? Results.Text("{\"success\":true}", "application/json") : Results.StatusCode(status);
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
