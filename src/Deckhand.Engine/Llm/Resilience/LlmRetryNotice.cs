using System.Buffers;
using System.Text.Json;
using Deckhand.Contracts.Events;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Llm.Resilience;

/// <summary>
/// Told before each wait between LLM attempts. <see cref="Attempt"/> is the attempt about to be made (2 after the
/// first failure), out of <see cref="MaxAttempts"/> (<c>num_retries</c>).
/// </summary>
public sealed record LlmRetryNotice(int Attempt, int MaxAttempts, TimeSpan Wait, string Code, string Reason)
{
    /// <summary>The <c>ConversationStateUpdateEvent</c> key of a retry notice.</summary>
    public const string EventKey = "llm_retry";

    private const string CallbackKey = "deckhand.llm_retry_notice";

    /// <summary>What a client shows, e.g. "The LLM provider is rate limiting requests; retrying in 8 s (attempt 2 of 5)".</summary>
    public string Message => $"{LlmException.Describe(Code)}; retrying in {Wait.TotalSeconds:0.##} s (attempt {Attempt} of {MaxAttempts})";

    /// <summary>
    /// The notice as an event clients already understand: OpenHands' <c>ConversationStateUpdateEvent</c> accepts any
    /// key, so strict clients keep working and ours can show the message.
    /// </summary>
    public ConversationStateUpdateEvent ToEvent()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("attempt", Attempt);
            writer.WriteNumber("max_attempts", MaxAttempts);
            writer.WriteNumber("wait_seconds", Math.Round(Wait.TotalSeconds, 3));
            writer.WriteString("code", Code);
            writer.WriteString("message", Message);
            writer.WriteEndObject();
        }
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return new ConversationStateUpdateEvent { Key = EventKey, Value = doc.RootElement.Clone() };
    }

    /// <summary>Asks <see cref="RetryingChatClient"/> to call <paramref name="onRetry"/> before each wait.</summary>
    public static ChatOptions Attach(ChatOptions options, Func<LlmRetryNotice, CancellationToken, Task> onRetry)
    {
        (options.AdditionalProperties ??= [])[CallbackKey] = onRetry;
        return options;
    }

    /// <summary>Takes the callback out of <paramref name="options"/> (a copy), so providers never see it.</summary>
    internal static Func<LlmRetryNotice, CancellationToken, Task>? Detach(ref ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue(CallbackKey, out var value) != true)
            return null;
        var rest = new AdditionalPropertiesDictionary(options.AdditionalProperties!);
        rest.Remove(CallbackKey);
        options = options.Clone();
        options.AdditionalProperties = rest.Count > 0 ? rest : null;
        return value as Func<LlmRetryNotice, CancellationToken, Task>;
    }
}
