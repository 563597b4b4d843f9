using System.Text.Json.Serialization;

namespace Deckhand.AgentServer.Http;

/// <summary>
/// Types the OpenAPI document describes that no contract serializes: query parameters such as <c>ids</c> and
/// <c>event_ids</c>. Without it the document needs reflection-based JSON, which trimmed and native builds switch off.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(string[]))]
internal sealed partial class OpenApiJsonContext : JsonSerializerContext;
