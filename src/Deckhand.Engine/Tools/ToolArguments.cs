using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Deckhand.Engine.Tools;

/// <summary>Reads a tool's arguments into its action record, turning JSON errors into messages a model can act on.</summary>
public static class ToolArguments
{
    public static T Read<T>(JsonElement arguments, JsonTypeInfo<T> info)
    {
        if (arguments.ValueKind != JsonValueKind.Object)
            throw new ToolArgumentException("Arguments must be a JSON object.");
        try
        {
            return JsonSerializer.Deserialize(arguments, info)
                ?? throw new ToolArgumentException("Arguments must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new ToolArgumentException(Explain(ex));
        }
    }

    private static string Explain(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
            message = message[..cut];
        if (ex.Path is { Length: > 2 } path)
            return $"{message.Replace("System.", "", StringComparison.Ordinal)} (at '{path[2..]}')";
        return message;
    }
}
