using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Json;

/// <summary>
/// A secret value (API key, token). Written as <c>"**********"</c> in every response and event; only the storage
/// serializer writes the real value. Empty, blank or already-redacted input reads as no secret, as in OpenHands.
/// </summary>
[JsonConverter(typeof(RedactingSecretConverter))]
public sealed class SecretString(string value)
{
    public const string Redacted = "**********";

    public string Value { get; } = value;

    public override string ToString() => Redacted;

    public static SecretString? FromInput(string? raw) =>
        string.IsNullOrWhiteSpace(raw) || raw == Redacted ? null : new SecretString(raw);
}

/// <summary>The default: never writes the value.</summary>
public sealed class RedactingSecretConverter : JsonConverter<SecretString>
{
    public override bool HandleNull => false;

    public override SecretString? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SecretString.FromInput(reader.GetString());

    public override void Write(Utf8JsonWriter writer, SecretString value, JsonSerializerOptions options) =>
        writer.WriteStringValue(SecretString.Redacted);
}

/// <summary>Used only by the storage serializer, so that a restart can still call the LLM.</summary>
public sealed class PlaintextSecretConverter : JsonConverter<SecretString>
{
    public override SecretString? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SecretString.FromInput(reader.GetString());

    public override void Write(Utf8JsonWriter writer, SecretString value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
