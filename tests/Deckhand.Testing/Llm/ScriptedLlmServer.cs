using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Deckhand.Testing.Hosting;

namespace Deckhand.Testing.Llm;

/// <summary>
/// A fake LLM on a free loopback port that speaks the OpenAI Chat Completions wire format and the Anthropic Messages
/// wire format (JSON and SSE streaming each), answering the same scripts in whichever format a request arrives in.
/// Tests enqueue <see cref="ScriptedReply"/>s, point a real client at <see cref="BaseUrl"/> (OpenAI) or
/// <see cref="AnthropicBaseUrl"/> (Anthropic) and inspect the recorded
/// <see cref="Requests"/>. Replies are handed out in arrival order; when the queue is empty the <see cref="Responder"/>
/// answers, or a placeholder text that is counted in <see cref="UnscriptedRequests"/>.
/// All members are thread-safe: Kestrel threads record requests while the test thread scripts and asserts.
/// </summary>
public sealed class ScriptedLlmServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<ScriptedReply> _replies = new();
    private readonly RequestLog _log = new();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private int _unscripted;
    private int _completions;
    private int _toolCalls;
    private int _disposed;

    private ScriptedLlmServer()
    {
    }

    /// <summary>The OpenAI-style base address, <c>http://127.0.0.1:PORT/v1</c>; use it as the client's endpoint.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The server root, <c>http://127.0.0.1:PORT</c>: the Anthropic SDK appends <c>/v1/messages</c> itself.</summary>
    public Uri AnthropicBaseUrl { get; private set; } = null!;

    /// <summary>Answers requests that find the queue empty. Null (the default) answers <see cref="ScriptedReply.UnscriptedText"/>
    /// and counts the request in <see cref="UnscriptedRequests"/>.</summary>
    public Func<ScriptedRequest, ScriptedReply>? Responder { get; set; }

    /// <summary>Requests answered by the built-in placeholder because nothing was scripted for them.</summary>
    public int UnscriptedRequests => Volatile.Read(ref _unscripted);

    /// <summary>Enqueued replies not yet handed out.</summary>
    public int PendingReplies
    {
        get
        {
            lock (_gate)
            {
                return _replies.Count;
            }
        }
    }

    /// <summary>A snapshot of the requests received so far, in arrival order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests => _log.Snapshot();

    /// <summary>The model ids <c>GET /v1/models</c> lists.</summary>
    public IReadOnlyList<string> ModelIds { get; set; } = ["scripted-model", "gpt-4o-mini"];

    /// <summary>About how many chars each streamed content or arguments delta carries (a token is about 4 chars).</summary>
    public int StreamPieceLength { get; set; } = 4;

    public static async Task<ScriptedLlmServer> StartAsync(CancellationToken cancellationToken = default)
    {
                var builder = LoopbackHost.CreateBuilder();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));

        var server = new ScriptedLlmServer();
        var app = builder.Build();
        server._app = app;
        var chat = new ScriptedEndpoint(server, new ScriptedWire.OpenAi(), server._stopping.Token);
        RequestDelegate models = context => ScriptedEndpoint.WriteJsonAsync(context.Response, StatusCodes.Status200OK,
            writer => CompletionJson.WriteModels(writer, server.ModelIds, 1_700_000_000), context.RequestAborted);
        app.MapPost("/v1/chat/completions", chat.HandleAsync);
        app.MapPost("/chat/completions", chat.HandleAsync);
        var messages = new ScriptedEndpoint(server, new ScriptedWire.Anthropic(), server._stopping.Token);
        app.MapPost("/v1/messages", messages.HandleAsync);
        app.MapPost("/messages", messages.HandleAsync);
        app.MapGet("/v1/models", models);
        app.MapGet("/models", models);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        server.AnthropicBaseUrl = new Uri(app.Urls.First().TrimEnd('/'));
        server.BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Appends replies to the script; each request takes the next one.</summary>
    public void Enqueue(params ReadOnlySpan<ScriptedReply> replies)
    {
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                ArgumentNullException.ThrowIfNull(reply);
                _replies.Enqueue(reply);
            }
        }
    }

    /// <summary>Waits for the request with zero-based <paramref name="index"/> (returns at once if it already arrived).</summary>
    /// <exception cref="TimeoutException">It did not arrive within <paramref name="timeout"/>.</exception>
    public Task<ScriptedRequest> WaitForRequestAsync(int index, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _log.WaitForAsync(index, timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Release hanging and delayed replies first so shutdown does not wait on them.
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    /// <summary>Records <paramref name="request"/> and returns the reply it gets.</summary>
    internal ScriptedReply Accept(ScriptedRequest request)
    {
        lock (_gate)
        {
            _log.Add(request);
            if (_replies.TryDequeue(out var scripted))
            {
                return scripted;
            }
        }

        var responder = Responder;
        if (responder is null)
        {
            Interlocked.Increment(ref _unscripted);
            return ScriptedReply.Text(ScriptedReply.UnscriptedText);
        }

        try
        {
            return responder(request);
        }
        catch (Exception exception)
        {
            return ScriptedReply.Error(500, $"Scripted responder threw {exception.GetType().Name}: {exception.Message}");
        }
    }

    /// <summary>Assigns the completion id and tool call ids for one answer, with the prefixes of the request's format.</summary>
    internal ResolvedReply Resolve(ScriptedRequest request, ScriptedReply reply)
    {
        var anthropic = request.Format == ScriptedWireFormat.AnthropicMessages;
        var id = $"{(anthropic ? "msg_scripted" : "chatcmpl-")}{Interlocked.Increment(ref _completions)}";
        var callPrefix = anthropic ? "toolu_" : "call_";
        var callIds = reply.Calls.Select(call => call.Id ?? $"{callPrefix}{Interlocked.Increment(ref _toolCalls)}").ToArray();
        var model = request.Model.Length > 0 ? request.Model : ModelIds.FirstOrDefault() ?? "scripted-model";
        return new ResolvedReply(id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, reply, callIds);
    }
}
