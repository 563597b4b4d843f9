using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Llm;

/// <summary>
/// One Anthropic extended-thinking block in OpenHands' shape (<c>{"type":"thinking","thinking","signature"}</c> or
/// <c>{"type":"redacted_thinking","data"}</c>), provider-neutral so it can be stored on an event and sent back on the
/// next turn. The Anthropic client turns it into the SDK's block params; other providers ignore it.
/// </summary>
public sealed class ThinkingBlockContent(JsonElement block) : AIContent
{
    public JsonElement Block { get; } = block;

    public string Type => Block.ValueKind == JsonValueKind.Object && Block.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
        ? t.GetString()!
        : "";

    /// <summary>The block's thinking text, or null (redacted blocks have none).</summary>
    public string? Thinking => StringField("thinking");

    public static ThinkingBlockContent Thought(string thinking, string signature) =>
        new(JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = "thinking", ["thinking"] = thinking, ["signature"] = signature },
            ThinkingJson.Default.DictionaryStringString));

    public static ThinkingBlockContent Redacted(string data) =>
        new(JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = "redacted_thinking", ["data"] = data },
            ThinkingJson.Default.DictionaryStringString));

    public string? StringField(string name) =>
        Block.ValueKind == JsonValueKind.Object && Block.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ThinkingJson : System.Text.Json.Serialization.JsonSerializerContext;
