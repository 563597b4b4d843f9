using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Deckhand.Testing.Llm;

/// <summary>
/// Handles one provider route: reads and records the request, picks its reply from the script (the same script for
/// every wire format), applies the reply's latency, hang or failure, and lets the <see cref="ScriptedWire"/> write the
/// answer in its own format.
/// </summary>
internal sealed class ScriptedEndpoint(ScriptedLlmServer server, ScriptedWire wire, CancellationToken stopping)
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
            if (!ScriptedRequest.TryParse(context.Request.Path.Value ?? "", body, headers, wire.Format, out var request))
            {
                await WriteErrorAsync(context.Response, ScriptedError.For(400, wire.ParseErrorMessage), cancellationToken);
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
            await Task.Delay(reply.Latency, cancellationToken);
        if (reply.HangsUntilAborted)
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        if (reply.Failure is { } failure)
        {
            await WriteErrorAsync(response, failure, cancellationToken);
            return;
        }
        await wire.WriteReplyAsync(response, request, server.Resolve(request, reply), server.StreamPieceLength, cancellationToken);
    }

    private Task WriteErrorAsync(HttpResponse response, ScriptedError error, CancellationToken cancellationToken)
    {
        if (error.RetryAfterSeconds is { } seconds)
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return WriteJsonAsync(response, error.StatusCode, writer => wire.WriteError(writer, error), cancellationToken);
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

/// <summary>What differs between provider wire formats: how errors and replies are written.</summary>
internal abstract class ScriptedWire
{
    public abstract ScriptedWireFormat Format { get; }

    public abstract string ParseErrorMessage { get; }

    public abstract void WriteError(Utf8JsonWriter writer, ScriptedError error);

    public abstract Task WriteReplyAsync(HttpResponse response, ScriptedRequest request, ResolvedReply resolved, int pieceLength,
        CancellationToken cancellationToken);

    /// <summary>OpenAI <c>POST /v1/chat/completions</c>.</summary>
    public sealed class OpenAi : ScriptedWire
    {
        public override ScriptedWireFormat Format => ScriptedWireFormat.OpenAiChatCompletions;

        public override string ParseErrorMessage => "We could not parse the JSON body of your request. (Scripted LLM server)";

        public override void WriteError(Utf8JsonWriter writer, ScriptedError error) => CompletionJson.WriteError(writer, error);

        public override Task WriteReplyAsync(HttpResponse response, ScriptedRequest request, ResolvedReply resolved, int pieceLength,
            CancellationToken cancellationToken) => request.Stream
            ? new CompletionStream(response, resolved, request.IncludeUsage, pieceLength).WriteAsync(cancellationToken)
            : ScriptedEndpoint.WriteJsonAsync(response, StatusCodes.Status200OK, writer => CompletionJson.WriteCompletion(writer, resolved), cancellationToken);
    }

    /// <summary>Anthropic <c>POST /v1/messages</c>.</summary>
    public sealed class Anthropic : ScriptedWire
    {
        public override ScriptedWireFormat Format => ScriptedWireFormat.AnthropicMessages;

        public override string ParseErrorMessage => "There was an error parsing the body. (Scripted LLM server)";

        public override void WriteError(Utf8JsonWriter writer, ScriptedError error) => AnthropicJson.WriteError(writer, error);

        public override Task WriteReplyAsync(HttpResponse response, ScriptedRequest request, ResolvedReply resolved, int pieceLength,
            CancellationToken cancellationToken)
        {
            response.Headers["request-id"] = "req_" + resolved.Id;
            return request.Stream
                ? new AnthropicStream(response, resolved, pieceLength).WriteAsync(cancellationToken)
                : ScriptedEndpoint.WriteJsonAsync(response, StatusCodes.Status200OK, writer => AnthropicJson.WriteMessage(writer, resolved), cancellationToken);
        }
    }
}
