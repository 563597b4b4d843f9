using System.Text.Json;

namespace Deckhand.Testing.Llm;

/// <summary>One function call in a scripted reply.</summary>
/// <param name="Name">The function name the model "calls".</param>
/// <param name="Arguments">The arguments exactly as sent on the wire (normally a JSON object, but any string is allowed
/// so tests can script malformed arguments).</param>
public sealed record ScriptedToolCall(string Name, string Arguments)
{
    private static readonly JsonSerializerOptions ArgumentOptions = new();

    /// <summary>The call id; when null the server assigns a unique <c>call_&lt;n&gt;</c>.</summary>
    public string? Id { get; init; }

    /// <summary>
    /// Creates a call whose arguments are <paramref name="arguments"/> serialized to JSON (property names as written);
    /// a string is taken as already-serialized JSON and null becomes <c>{}</c>.
    /// </summary>
    public static ScriptedToolCall Create(string name, object? arguments = null) => new(name, SerializeArguments(arguments));

    private static string SerializeArguments(object? arguments) => arguments switch
    {
        null => "{}",
        string json => json,
        _ => JsonSerializer.Serialize(arguments, arguments.GetType(), ArgumentOptions),
    };
}
