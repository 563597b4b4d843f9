using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;

namespace Deckhand.Engine.Secrets;

/// <summary>
/// Masks secret values in any event, whatever its kind: every string in its JSON (message text, tool arguments,
/// observation text, error details...) goes through the masker. Used at the one point where events are appended, so
/// what is stored, streamed and sent to the model is already masked.
/// </summary>
public static class EventMasking
{
    /// <summary>The event with secrets masked; the same instance when there was nothing to mask.</summary>
    public static Event Mask(Event e, SecretMasker masker)
    {
        if (masker.IsEmpty)
            return e;
        var node = JsonSerializer.SerializeToNode(e, DeckhandJson.Compact.Event);
        if (node is null || !MaskStrings(node, masker))
            return e;
        return node.Deserialize(DeckhandJson.Wire.Event) ?? e;
    }

    private static bool MaskStrings(JsonNode node, SecretMasker masker)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (child is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        var masked = masker.Apply(text);
                        if (!ReferenceEquals(masked, text) && masked != text)
                        {
                            obj[key] = masked;
                            changed = true;
                        }
                    }
                    else if (child is not null)
                    {
                        changed |= MaskStrings(child, masker);
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        var masked = masker.Apply(text);
                        if (masked != text)
                        {
                            array[i] = masked;
                            changed = true;
                        }
                    }
                    else if (array[i] is { } child)
                    {
                        changed |= MaskStrings(child, masker);
                    }
                }
                break;
        }
        return changed;
    }
}
