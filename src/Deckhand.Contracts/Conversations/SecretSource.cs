using System.Text.Json;
using System.Text.Json.Serialization;
using Deckhand.Contracts.Json;

namespace Deckhand.Contracts.Conversations;

/// <summary>
/// Where the value of a named conversation secret comes from (OpenHands' <c>SecretSource</c>, polymorphic on
/// <c>kind</c>). Values are redacted in every response and event; only the storage serializer writes them.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(StaticSecret), nameof(StaticSecret))]
[JsonDerivedType(typeof(LookupSecret), nameof(LookupSecret))]
public abstract record SecretSource
{
    public string? Description { get; set; }
}

/// <summary>A secret whose value was given to the server.</summary>
public sealed record StaticSecret : SecretSource
{
    public SecretString? Value { get; set; }
}

/// <summary>A secret fetched with an HTTP GET of <see cref="Url"/> (the response body is the value) when first needed.</summary>
public sealed record LookupSecret : SecretSource
{
    public required string Url { get; init; }
    public SecretHeaders Headers { get; set; } = SecretHeaders.Empty;
}

/// <summary>
/// Request headers of a <see cref="LookupSecret"/>. Values of headers whose name looks sensitive (it contains
/// AUTHORIZATION, COOKIE, CREDENTIAL, KEY, PASSWORD, SECRET, SESSION or TOKEN, as OpenHands decides) are redacted like
/// any secret; the storage serializer keeps them.
/// </summary>
[JsonConverter(typeof(RedactingHeadersConverter))]
public sealed class SecretHeaders(IReadOnlyDictionary<string, string> values)
{
    private static readonly string[] SensitiveParts = ["AUTHORIZATION", "COOKIE", "CREDENTIAL", "KEY", "PASSWORD", "SECRET", "SESSION", "TOKEN"];

    public static SecretHeaders Empty { get; } = new(new Dictionary<string, string>());

    public IReadOnlyDictionary<string, string> Values { get; } = values;

    public static bool IsSensitive(string name) =>
        SensitiveParts.Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));

    internal static SecretHeaders Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("headers must be an object of header names to string values.");
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"The value of header '{name}' must be a string.");
            var value = reader.GetString()!;
            // A redacted or empty value of a sensitive header is dropped: it came back from a response, not from a user.
            if (IsSensitive(name) && SecretString.FromInput(value) is null)
                continue;
            values[name] = value;
        }
        return new SecretHeaders(values);
    }

    internal void Write(Utf8JsonWriter writer, bool redact)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in Values)
            writer.WriteString(name, redact && IsSensitive(name) ? SecretString.Redacted : value);
        writer.WriteEndObject();
    }
}

/// <summary>The default: sensitive header values are written redacted.</summary>
public sealed class RedactingHeadersConverter : JsonConverter<SecretHeaders>
{
    public override SecretHeaders Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SecretHeaders.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, SecretHeaders value, JsonSerializerOptions options) => value.Write(writer, redact: true);
}

/// <summary>Used only by the storage serializer.</summary>
public sealed class PlaintextHeadersConverter : JsonConverter<SecretHeaders>
{
    public override SecretHeaders Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SecretHeaders.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, SecretHeaders value, JsonSerializerOptions options) => value.Write(writer, redact: false);
}

/// <summary>
/// <c>POST /api/conversations/{id}/secrets</c>. Each value is a plain string, <c>{"value": ...}</c> (both become a
/// <see cref="StaticSecret"/>) or a full <see cref="SecretSource"/> with its <c>kind</c>.
/// </summary>
public sealed record UpdateSecretsRequest
{
    public IReadOnlyDictionary<string, JsonElement> Secrets { get; set; } = new Dictionary<string, JsonElement>();
}
