using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Deckhand.AppServer.Sandboxes;

namespace Deckhand.AppServer.Webhooks;

/// <summary>
/// Who is posting a webhook: the sandbox whose session key is in <c>X-Session-API-Key</c> (V1 spec §0.1). With a
/// sandbox id in the path (OpenHands' baseline URL) the key must be that sandbox's; without one ([LATER] URL) the
/// sandbox is found by its key. Keys are compared in constant time; a lookup by key remembers which sandbox a key
/// hash belonged to, so it does not decrypt every sandbox's key on each post.
/// </summary>
public sealed class WebhookAuth(ISandboxRepository sandboxes)
{
    public const string HeaderName = "X-Session-API-Key";

    private readonly ConcurrentDictionary<string, string> _sandboxByKeyHash = new(StringComparer.Ordinal);

    /// <summary>The sandbox, or the 401 detail to answer with.</summary>
    public async Task<(SandboxRecord? Sandbox, string? Problem)> AuthenticateAsync(HttpRequest request, string? sandboxId,
        CancellationToken cancellationToken)
    {
        var key = request.Headers[HeaderName].ToString();
        if (key.Length == 0)
            return (null, $"{HeaderName} header is required");
        if (sandboxId is not null)
        {
            return await sandboxes.GetAsync(sandboxId, cancellationToken) is { } byId && Same(byId.SessionApiKey, key)
                ? (byId, null)
                : (null, "Invalid session API key");
        }
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        if (_sandboxByKeyHash.TryGetValue(hash, out var knownId))
        {
            if (await sandboxes.GetAsync(knownId, cancellationToken) is { } known && Same(known.SessionApiKey, key))
                return (known, null);
            _sandboxByKeyHash.TryRemove(hash, out _);
        }
        foreach (var sandbox in await sandboxes.ListAsync(null, 0, 100_000, cancellationToken))
        {
            if (Same(sandbox.SessionApiKey, key))
            {
                _sandboxByKeyHash[hash] = sandbox.Id;
                return (sandbox, null);
            }
        }
        return (null, "Invalid session API key");
    }

    private static bool Same(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}
