using System.Security.Cryptography;
using System.Text;
using Deckhand.AgentServer.Http;

namespace Deckhand.AppServer.Http;

/// <summary>
/// The app server's own API key. When one is set, every <c>/api</c> request must carry it, as
/// <c>X-Session-API-Key</c> (what OpenHands clients send to a keyed server) or <c>Authorization: Bearer</c>.
/// Health routes, the API description and CORS preflights stay open, and so do webhooks from sandboxes, which
/// authenticate with their own session key. Without a key everything is open, and the server refuses to bind beyond
/// loopback.
/// </summary>
public sealed class ApiKeyAuth(AppServerOptions options)
{
    public const string HeaderName = "X-Session-API-Key";

    private readonly byte[]? _key = string.IsNullOrEmpty(options.ApiKey) ? null : Encoding.UTF8.GetBytes(options.ApiKey);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (_key is not null && path.StartsWithSegments("/api") && !path.StartsWithSegments("/api/v1/webhooks")
            && !HttpMethods.IsOptions(context.Request.Method)
            && !IsValid(Presented(context.Request)))
        {
            await ApiErrors.Detail(StatusCodes.Status401Unauthorized, "Unauthorized").ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers[HeaderName].ToString() is { Length: > 0 } key)
            return key;
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    private bool IsValid(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
}
