using System.Buffers;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer.Events;

namespace Deckhand.AppServer.EventCallbacks;

/// <summary>
/// The <see cref="WebhookCallbackProcessor"/>: posts one event to the user's URL, signed so the receiver can check it
/// came from this server: <c>X-Deckhand-Signature-256: sha256=&lt;lowercase hex HMAC-SHA256(secret, raw body)&gt;</c>
/// (the GitHub convention), with <c>X-Deckhand-Event</c> (the event kind) and <c>X-Deckhand-Delivery</c> (a unique id).
/// </summary>
public static class OutboundWebhook
{
    public const string SignatureHeader = "X-Deckhand-Signature-256";
    public const string EventHeader = "X-Deckhand-Event";
    public const string DeliveryHeader = "X-Deckhand-Delivery";

    /// <summary>The signature header's value for <paramref name="body"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary><c>{"conversation_id": "&lt;hex&gt;", "event": &lt;the event's JSON&gt;}</c>.</summary>
    public static byte[] Body(Guid conversationId, ReceivedEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("conversation_id", conversationId.ToString("N"));
            writer.WritePropertyName("event");
            writer.WriteRawValue(e.Json, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Posts with retries; the result's detail says what happened (never the secret or the URL's query).</summary>
    public static async Task<(bool Delivered, string Detail)> PostAsync(HttpClient http, WebhookCallbackProcessor processor, Guid conversationId,
        ReceivedEvent e, Guid deliveryId, EventCallbackOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = Body(conversationId, e);
        var signature = Sign(processor.Secret, body);
        var detail = "";
        var attempts = options.OutboundRetries + 1;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
                await Task.Delay(options.OutboundRetryDelay, time, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.OutboundTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, processor.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
                request.Headers.TryAddWithoutValidation(EventHeader, e.Kind);
                request.Headers.TryAddWithoutValidation(DeliveryHeader, deliveryId.ToString("N"));
                request.Headers.UserAgent.ParseAdd("Deckhand-Webhook/1");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                detail = $"HTTP {(int)response.StatusCode}";
                if (response.IsSuccessStatusCode)
                    return (true, detail);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                detail = $"no answer within {options.OutboundTimeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException ex)
            {
                detail = "request failed: " + ex.HttpRequestError;
            }
        }
        return (false, attempts > 1 ? $"{detail} (after {attempts} attempts)" : detail);
    }
}
