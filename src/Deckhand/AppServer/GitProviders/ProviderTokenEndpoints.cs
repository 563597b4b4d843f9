using System.Net;
using Deckhand.AgentServer.Http;
using Deckhand.AppServer.AppConversations.Starting;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.GitProviders;

/// <summary>
/// <c>POST /api/add-git-providers</c> and <c>POST /api/unset-provider-tokens</c> (V0 spec §1.6): the web app's "Git" settings
/// page and its logout. A new token is checked against its provider's API before it is stored; tokens never come back.
/// </summary>
public static partial class ProviderTokenEndpoints
{
    public static IEndpointRouteBuilder MapProviderTokens(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Git providers");
        group.MapPost("/add-git-providers", AddAsync).Accepts<AddGitProvidersRequest>("application/json").Produces<MessageBody>();
        group.MapPost("/unset-provider-tokens", UnsetAsync).Produces<MessageBody>();
        return app;
    }

    private static async Task<IResult> AddAsync(HttpRequest request, ProviderTokenRepository tokens, GitProviderApi api, CurrentUser user,
        AppServerOptions options, ILogger<ProviderTokenRepository> logger, CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.AddGitProvidersRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var incoming = body!.ProviderTokens ?? [];
        foreach (var provider in incoming.Keys)
        {
            if (!GitTokens.Providers.Contains(provider))
                return ApiErrors.Invalid($"body.provider_tokens.{provider}",
                    $"Unknown git provider '{provider}'; expected one of: {string.Join(", ", GitTokens.Providers.Order(StringComparer.Ordinal))}.", "enum");
        }

        var existing = (await tokens.ListAsync(user.Id, cancellationToken)).ToDictionary(t => t.Provider, StringComparer.Ordinal);
        var next = new List<StoredProviderToken>();
        foreach (var (provider, input) in incoming)
        {
            var host = string.IsNullOrWhiteSpace(input.Host) ? null : input.Host.Trim();
            if (string.IsNullOrWhiteSpace(input.Token))
            {
                // An empty token keeps the one already stored (the settings page sends the map back without tokens).
                if (existing.TryGetValue(provider, out var kept))
                    next.Add(kept with { Host = host, ProviderUserId = input.UserId ?? kept.ProviderUserId });
                continue;
            }
            if (!GitProviderApi.IsSupported(provider))
                return Error(HttpStatusCode.BadRequest, $"Git provider '{provider}' is not supported yet; Deckhand can validate and use github and gitlab tokens.");
            var token = input.Token.Trim();
            var baseUrl = api.BaseUrl(provider, host);
            try
            {
                var account = await api.GetJsonAsync(baseUrl, token, "/user", cancellationToken);
                var id = account.Body.TryGetProperty("id", out var idValue) ? idValue.ToString() : null;
                next.Add(new StoredProviderToken(provider, token, host, input.UserId ?? id));
            }
            catch (GitProviderException ex) when (ex.Status is not null)
            {
                LogRejected(logger, provider, (int)ex.Status.Value);
                return Error(HttpStatusCode.Unauthorized, $"Invalid token. Please make sure it is a valid {provider} token.");
            }
            catch (GitProviderException ex)
            {
                return Error(HttpStatusCode.BadGateway, $"Could not check the {provider} token: {ex.Message}");
            }
        }
        await tokens.ReplaceAllAsync(user.Id, next, cancellationToken);
        return TypedResults.Json(new MessageBody("Git providers stored"), DeckhandJson.Wire.MessageBody);
    }

    private static async Task<IResult> UnsetAsync(ProviderTokenRepository tokens, CurrentUser user, CancellationToken cancellationToken)
    {
        await tokens.DeleteAllAsync(user.Id, cancellationToken);
        return TypedResults.Json(new MessageBody("Unset Git provider tokens"), DeckhandJson.Wire.MessageBody);
    }

    private static IResult Error(HttpStatusCode status, string message) =>
        TypedResults.Json(new ErrorBody(message), DeckhandJson.Wire.ErrorBody, statusCode: (int)status);

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Provider} token was refused by the provider (HTTP {Status}); not stored")]
    private static partial void LogRejected(ILogger logger, string provider, int status);
}
