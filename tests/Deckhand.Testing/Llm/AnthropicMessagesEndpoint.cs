using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Deckhand.Testing.Llm;

/// <summary>Handles Anthropic's <c>POST /v1/messages</c>: records the request, picks its reply (from the same script as
/// the OpenAI endpoint) and answers it in the Messages format.</summary>
internal sealed class AnthropicMessagesEndpoint(ScriptedLlmServer server, CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var cancellationToken = linked.Token;
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(cancellationToken);
            var headers = context.Request.Headers.ToDictionary(
                header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            if (!ScriptedRequest.TryParse(context.Request.Path.Value ?? "", body, headers, ScriptedWireFormat.AnthropicMessages, out var request))
            {
                await WriteErrorAsync(context.Response, ScriptedError.For(400, "There was an error parsing the body. (Scripted LLM server)"), cancellationToken);
                return;
            }

            using var abortedRegistration = context.RequestAborted.Register(
                static state => ((ScriptedRequest)state!).MarkAborted(), request);
            var reply = server.Accept(request);
            await RespondAsync(context.Response, request, reply, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
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
        response.Headers["request-id"] = "req_" + resolved.Id;
        if (request.Stream)
        {
            await new AnthropicStream(response, resolved, server.StreamPieceLength).WriteAsync(cancellationToken);
            return;
        }

        await ChatCompletionsEndpoint.WriteJsonAsync(response, StatusCodes.Status200OK,
            writer => AnthropicJson.WriteMessage(writer, resolved), cancellationToken);
    }

    private static Task WriteErrorAsync(HttpResponse response, ScriptedError error, CancellationToken cancellationToken)
    {
        if (error.RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return ChatCompletionsEndpoint.WriteJsonAsync(response, error.StatusCode, writer => AnthropicJson.WriteError(writer, error), cancellationToken);
    }
}
