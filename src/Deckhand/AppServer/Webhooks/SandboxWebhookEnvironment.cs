using System.Globalization;
using System.Net;
using Deckhand.AppServer.Sandboxes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Deckhand.AppServer.Webhooks;

/// <summary>
/// The environment that points a sandbox's agent-server at this app server's webhooks (V1 spec §7.2):
/// <c>OH_WEBHOOKS_0_BASE_URL=&lt;app server&gt;/api/v1/webhooks/&lt;sandbox id&gt;</c> plus the batching settings. The
/// agent-server authenticates with its own session key (<c>OH_SESSION_API_KEYS_0</c>, set by the provider). The app
/// server's address is the configured <see cref="AppServerOptions.WebhookBaseUrl"/>, else the address it listens on
/// (a wildcard bind is reached over loopback), read when a sandbox starts.
/// </summary>
public sealed class SandboxWebhookEnvironment(AppServerOptions options, IServiceProvider services)
{
    /// <summary>
    /// The variables for <paramref name="sandbox"/>; empty when the app server's address is not known.
    /// <paramref name="baseUrlFile"/>, when given, is where the provider keeps <see cref="BaseUrl"/> for the sandbox to
    /// re-read (<c>OH_WEBHOOKS_0_BASE_URL_FILE</c>), so a re-adopted sandbox follows the app server to a new address.
    /// </summary>
    public IReadOnlyDictionary<string, string> For(SandboxRecord sandbox, string? baseUrlFile = null)
    {
        if (BaseUrl(sandbox) is not { } baseUrl)
            return new Dictionary<string, string>();
        var variables = new Dictionary<string, string>
        {
            ["OH_WEBHOOKS_0_BASE_URL"] = baseUrl,
            ["OH_WEBHOOKS_0_EVENT_BUFFER_SIZE"] = options.SandboxWebhookBufferSize.ToString(CultureInfo.InvariantCulture),
            ["OH_WEBHOOKS_0_FLUSH_DELAY"] = options.SandboxWebhookFlushDelay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
        };
        if (baseUrlFile is not null)
            variables["OH_WEBHOOKS_0_BASE_URL_FILE"] = baseUrlFile;
        return variables;
    }

    /// <summary>Where <paramref name="sandbox"/> posts its webhooks now; null when the app server's address is not known.</summary>
    public string? BaseUrl(SandboxRecord sandbox) => AppServerUrl() is { } root ? $"{root}/api/v1/webhooks/{sandbox.Id}" : null;

    /// <summary>This app server's base URL as a sandbox reaches it, without a trailing slash.</summary>
    public string? AppServerUrl()
    {
        if (!string.IsNullOrEmpty(options.WebhookBaseUrl))
            return options.WebhookBaseUrl.TrimEnd('/');
        var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address, UriKind.Absolute, out var url))
            return null;
        var host = url.Host.Trim('[', ']');
        if (host is "0.0.0.0" or "::" or "+" or "*" || (IPAddress.TryParse(host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))))
            return $"{url.Scheme}://127.0.0.1:{url.Port}";
        return $"{url.Scheme}://{url.Authority}";
    }
}
