using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.AppServer.Secrets;

namespace Deckhand.AppServer.EventCallbacks;

/// <summary>
/// What an event callback does with each event it matches (V1 spec §4.7), polymorphic on <c>kind</c>:
/// <c>LoggingCallbackProcessor</c>, <c>SetTitleCallbackProcessor</c>, and Deckhand's <c>WebhookCallbackProcessor</c>
/// (posts each event to a URL of the user's, signed with HMAC-SHA256). App-server internal: there is no public route
/// for callbacks; they come from a start request's <c>processors</c> or are registered by the app server itself.
/// </summary>
public abstract record EventCallbackProcessor
{
    public abstract string Kind { get; }

    /// <summary>
    /// Reads a processor from request JSON (e.g. one item of <c>AppConversationStartRequest.processors</c>); null, with
    /// a message fit for a 422, when it is not one we run.
    /// </summary>
    public static EventCallbackProcessor? Parse(JsonElement json, out string? problem)
    {
        problem = null;
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
        {
            problem = "A processor must be an object with a \"kind\".";
            return null;
        }
        switch (kind.GetString())
        {
            case LoggingCallbackProcessor.KindName:
                return new LoggingCallbackProcessor();
            case SetTitleCallbackProcessor.KindName:
                return new SetTitleCallbackProcessor();
            case WebhookCallbackProcessor.KindName:
                var url = json.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
                if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                {
                    problem = "WebhookCallbackProcessor needs a \"url\" (absolute http or https).";
                    return null;
                }
                var secret = json.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                if (string.IsNullOrEmpty(secret))
                {
                    problem = "WebhookCallbackProcessor needs a \"secret\" to sign its posts with.";
                    return null;
                }
                return new WebhookCallbackProcessor(url!, secret);
            default:
                problem = $"Unknown processor kind: {Short(kind.GetString())}";
                return null;
        }
    }

    /// <summary>The JSON kept in <c>event_callback.processor</c>; secrets sealed with <paramref name="cipher"/>.</summary>
    public string ToStored(SecretCipher cipher)
    {
        var json = new JsonObject { ["kind"] = Kind };
        if (this is WebhookCallbackProcessor webhook)
        {
            json["url"] = webhook.Url;
            json["secret"] = cipher.Encrypt(webhook.Secret);
        }
        return json.ToJsonString();
    }

    /// <summary>Reads <c>event_callback.processor</c>; null for a kind this build does not run.</summary>
    public static EventCallbackProcessor? FromStored(string stored, SecretCipher cipher)
    {
        using var document = JsonDocument.Parse(stored);
        var root = document.RootElement;
        return root.TryGetProperty("kind", out var kind) ? kind.GetString() switch
        {
            LoggingCallbackProcessor.KindName => new LoggingCallbackProcessor(),
            SetTitleCallbackProcessor.KindName => new SetTitleCallbackProcessor(),
            WebhookCallbackProcessor.KindName => new WebhookCallbackProcessor(
                root.GetProperty("url").GetString()!, cipher.Decrypt(root.GetProperty("secret").GetString()!)),
            _ => null,
        } : null;
    }

    private static string Short(string? text) => text is null ? "null" : text.Length <= 60 ? text : text[..60] + "…";
}

/// <summary>Logs every event it sees; records a SUCCESS result for each.</summary>
public sealed record LoggingCallbackProcessor : EventCallbackProcessor
{
    public const string KindName = "LoggingCallbackProcessor";
    public override string Kind => KindName;
}

/// <summary>
/// On a <c>MessageEvent</c>, gives the conversation its title: the one the agent-server reported (its conversation
/// webhook, or <c>GET /api/conversations/{id}</c> polled a few times). Then the callback is disabled; while no title is
/// known it stays active and tries again on the next message.
/// </summary>
public sealed record SetTitleCallbackProcessor : EventCallbackProcessor
{
    public const string KindName = "SetTitleCallbackProcessor";
    public override string Kind => KindName;
}

/// <summary>
/// Posts each event to <see cref="Url"/> as <c>{"conversation_id": "&lt;hex&gt;", "event": {...}}</c>, with header
/// <c>X-Deckhand-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body, keyed with <see cref="Secret"/>&gt;</c>.
/// </summary>
public sealed record WebhookCallbackProcessor(string Url, string Secret) : EventCallbackProcessor
{
    public const string KindName = "WebhookCallbackProcessor";
    public override string Kind => KindName;

    /// <summary>Never print the secret.</summary>
    public override string ToString() => $"{KindName} {{ Url = {new Uri(Url).GetLeftPart(UriPartial.Path)} }}";
}
