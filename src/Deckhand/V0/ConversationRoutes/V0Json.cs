using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Deckhand.V0.ConversationRoutes;

/// <summary>Small JSON answers of the V0 routes, written by hand: their shapes are fixed by the spec and vary by route.</summary>
internal static class V0Json
{
    public static IResult Write(Action<Utf8JsonWriter> write, int statusCode = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return TypedResults.Text(Encoding.UTF8.GetString(buffer.WrittenSpan), "application/json", Encoding.UTF8, statusCode);
    }

    /// <summary><c>{"error": message}</c>, the body of the files, git and microagents routes' failures.</summary>
    public static IResult Error(int statusCode, string message) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    }, statusCode);

    /// <summary><c>{"success": true}</c>.</summary>
    public static IResult Success() => Write(w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", true);
        w.WriteEndObject();
    });
}
