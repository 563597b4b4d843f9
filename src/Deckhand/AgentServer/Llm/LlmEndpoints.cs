using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Llm.Check;

namespace Deckhand.AgentServer.Llm;

/// <summary><c>/api/llm</c>: Deckhand's connection check for an LLM configuration.</summary>
public static class LlmEndpoints
{
    public static IEndpointRouteBuilder MapLlm(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/llm").WithTags("LLM");
        group.MapPost("/test", TestAsync).Accepts<LlmConfig>("application/json").Produces<LlmCheckResult>();
        return app;
    }

    /// <summary>Body: the <c>llm</c> object of an agent. Always 200 with the verdict; 4xx only for a malformed body.</summary>
    private static async Task<IResult> TestAsync(HttpRequest request, ILlmClientFactory factory, AgentServerOptions options,
        CancellationToken cancellationToken)
    {
        var (config, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.LlmConfig, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (string.IsNullOrWhiteSpace(config!.Model))
            return ApiErrors.Invalid("body.model", "model must not be empty.");
        if (config.BaseUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            return ApiErrors.Invalid("body.base_url", "base_url must be an absolute http(s) URL.");
        var result = await LlmCheck.RunAsync(factory, config, cancellationToken);
        return TypedResults.Json(result, DeckhandJson.Wire.LlmCheckResult);
    }
}
