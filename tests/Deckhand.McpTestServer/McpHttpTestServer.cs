using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Deckhand.McpTestServer;

/// <summary>
/// The test tools over HTTP on loopback, hosted with the SDK's server transports on plain Kestrel (the SDK's
/// ASP.NET Core package is not available here): streamable HTTP at <c>/mcp</c> and the older SSE transport at
/// <c>/sse</c> + <c>/message</c>. Records the headers of every request so tests can check what the client sent.
/// </summary>
public sealed class McpHttpTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    private McpHttpTestServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The streamable HTTP endpoint.</summary>
    public Uri StreamableUrl => new(BaseUrl, "mcp");

    /// <summary>The SSE endpoint.</summary>
    public Uri SseUrl => new(BaseUrl, "sse");

    /// <summary>Values of a header on every MCP request received, in order.</summary>
    public ConcurrentQueue<string?> SeenHeader { get; } = new();

    /// <summary>The header whose values <see cref="SeenHeader"/> records.</summary>
    public string RecordedHeader { get; set; } = "Authorization";

    public static async Task<McpHttpTestServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new McpHttpTestServer(app);
        app.MapPost("/mcp", server.PostAsync);
        app.MapGet("/mcp", server.GetAsync);
        app.MapDelete("/mcp", server.DeleteAsync);
        app.MapGet("/sse", server.SseAsync);
        app.MapPost("/message", server.MessageAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    private async Task PostAsync(HttpContext context)
    {
        SeenHeader.Enqueue(context.Request.Headers[RecordedHeader].FirstOrDefault());
        var message = await ReadMessageAsync(context);
        if (message is null)
            return;
        Session? session;
        var id = context.Request.Headers["Mcp-Session-Id"].FirstOrDefault();
        if (id is null)
        {
            if (message is not JsonRpcRequest { Method: RequestMethods.Initialize })
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            id = Guid.NewGuid().ToString("N");
            var transport = new StreamableHttpServerTransport { SessionId = id };
            session = new Session(transport, McpServer.Create(transport, TestTools.Options("deckhand-http-test-server")));
            session.Run = session.Server.RunAsync(_stopping.Token);
            _sessions[id] = session;
        }
        else if (!_sessions.TryGetValue(id, out session))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.Headers["Mcp-Session-Id"] = id;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        var wrote = await ((StreamableHttpServerTransport)session.Transport).HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted);
        if (!wrote)
        {
            context.Response.Headers.ContentType = default;
            context.Response.StatusCode = StatusCodes.Status202Accepted;
        }
    }

    private async Task GetAsync(HttpContext context)
    {
        var id = context.Request.Headers["Mcp-Session-Id"].FirstOrDefault();
        if (id is null || !_sessions.TryGetValue(id, out var session))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        await context.Response.Body.FlushAsync(context.RequestAborted);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await ((StreamableHttpServerTransport)session.Transport).HandleGetRequestAsync(context.Response.Body, linked.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DeleteAsync(HttpContext context)
    {
        var id = context.Request.Headers["Mcp-Session-Id"].FirstOrDefault();
        if (id is not null && _sessions.TryRemove(id, out var session))
            await session.DisposeAsync();
    }

    private async Task SseAsync(HttpContext context)
    {
        SeenHeader.Enqueue(context.Request.Headers[RecordedHeader].FirstOrDefault());
        var id = Guid.NewGuid().ToString("N");
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        var transport = new SseResponseStreamTransport(context.Response.Body, $"/message?sessionId={id}", id);
        var session = new Session(transport, McpServer.Create(transport, TestTools.Options("deckhand-sse-test-server")));
        _sessions[id] = session;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            var pump = transport.RunAsync(linked.Token);
            session.Run = session.Server.RunAsync(linked.Token);
            await Task.WhenAny(pump, session.Run);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _sessions.TryRemove(id, out _);
            await session.DisposeAsync();
        }
    }

    private async Task MessageAsync(HttpContext context)
    {
        SeenHeader.Enqueue(context.Request.Headers[RecordedHeader].FirstOrDefault());
        var id = context.Request.Query["sessionId"].FirstOrDefault();
        if (id is null || !_sessions.TryGetValue(id, out var session) || session.Transport is not SseResponseStreamTransport sse)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var message = await ReadMessageAsync(context);
        if (message is null)
            return;
        await sse.OnMessageReceivedAsync(message, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("Accepted");
    }

    private static async Task<JsonRpcMessage?> ReadMessageAsync(HttpContext context)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body,
                McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)), context.RequestAborted) as JsonRpcMessage;
        }
        catch (JsonException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var session in _sessions.Values)
            await session.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private sealed class Session(ITransport transport, McpServer server) : IAsyncDisposable
    {
        public ITransport Transport { get; } = transport;
        public McpServer Server { get; } = server;
        public Task Run { get; set; } = Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Transport.DisposeAsync();
        }
    }
}
