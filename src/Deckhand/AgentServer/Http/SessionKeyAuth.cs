using System.Security.Cryptography;
using System.Text;

namespace Deckhand.AgentServer.Http;

/// <summary>
/// <c>X-Session-API-Key</c> checking for <c>/api/*</c>. Header name is case-insensitive, value exact. With no keys
/// configured everything is open (the server then refuses to bind beyond loopback). CORS preflights are never refused.
/// </summary>
public sealed class SessionKeyAuth(AgentServerOptions options)
{
    public const string HeaderName = "X-Session-API-Key";

    public bool Enabled => options.AuthEnabled;

    public bool IsValid(string? key)
    {
        if (!options.AuthEnabled)
            return true;
        if (string.IsNullOrEmpty(key))
            return false;
        var given = Encoding.UTF8.GetBytes(key);
        var ok = false;
        foreach (var candidate in options.SessionApiKeys)
            ok |= CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(candidate));
        return ok;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (options.AuthEnabled && path.StartsWithSegments("/api") && !HttpMethods.IsOptions(context.Request.Method)
            && !IsValid(context.Request.Headers[HeaderName].ToString()))
        {
            await ApiErrors.Detail(StatusCodes.Status401Unauthorized, "Unauthorized").ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
