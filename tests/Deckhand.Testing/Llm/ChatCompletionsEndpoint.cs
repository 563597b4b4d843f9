using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Deckhand.Testing.Llm;

/// <summary>Handles <c>POST /chat/completions</c>: records the request, picks its reply and answers it.</summary>
internal sealed class ChatCompletionsEndpoint(ScriptedLlmServer server, CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var cancellationToken = linked.Token;
        try
        {
            var body = await ReadBodyAsync(context.Request, cancellationToken);
            var headers = context.Request.Headers.ToDictionary(
                header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            if (!ScriptedRequest.TryParse(context.Request.Path.Value ?? "", body, headers, out var request))
            {
                var error = ScriptedError.For(400, "We could not parse the JSON body of your request. (Scripted LLM server)");
                await WriteErrorAsync(context.Response, error, cancellationToken);
                return;
            }

            using var abortedRegistration = context.RequestAborted.Register(
                static state => ((ScriptedRequest)state!).MarkAborted(), request);
            var reply = server.Accept(request);
            await RespondAsync(context.Response, request, reply, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away (an interrupt) or the server is shutting down: drop the connection, answer nothing.
            context.Abort();
        }
    }

    private async Task RespondAsync(HttpResponse response, ScriptedRequest request, ScriptedReply reply, CancellationToken cancellationToken)
    {
        if (reply.Latency > TimeSpan.Zero)
        {
            await Task.Delay(reply.Latency, cancellationToken);
        }

        if (reply.HangsUntilAborted)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        if (reply.Failure is { } failure)
        {
            await WriteErrorAsync(response, failure, cancellationToken);
            return;
        }

        var resolved = server.Resolve(request, reply);
        if (request.Stream)
        {
            var stream = new CompletionStream(response, resolved, request.IncludeUsage, server.StreamPieceLength);
            await stream.WriteAsync(cancellationToken);
            return;
        }

        await WriteJsonAsync(response, StatusCodes.Status200OK, writer => CompletionJson.WriteCompletion(writer, resolved), cancellationToken);
    }

    private static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private static Task WriteErrorAsync(HttpResponse response, ScriptedError error, CancellationToken cancellationToken)
    {
        if (error.RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(response, error.StatusCode, writer => CompletionJson.WriteError(writer, error), cancellationToken);
    }

    internal static async Task WriteJsonAsync(HttpResponse response, int statusCode, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var json = CompletionJson.Write(write);
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(json, cancellationToken);
    }
}
