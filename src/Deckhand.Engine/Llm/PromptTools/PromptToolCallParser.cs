using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Llm.PromptTools;

/// <summary>
/// The incoming half of prompt-based tool calling: finds the first <c>&lt;function=NAME&gt;</c> block in a reply and
/// turns it into one <see cref="FunctionCallContent"/> whose <see cref="AIContent.RawRepresentation"/> is a JSON
/// arguments object, each value typed by the tool's schema. A call that cannot be read still becomes a call, with
/// <see cref="FunctionCallContent.Exception"/> set to a correction addressed to the model; the agent records it as
/// an error the model reads on its next turn, exactly like a natively malformed call.
/// </summary>
internal static class PromptToolCallParser
{
    private const string FunctionOpen = "<function=";
    private const string FunctionClose = "</function>";
    private const string ParameterOpen = "<parameter=";
    private const string ParameterClose = "</parameter>";

    /// <summary>Text the model wrote before the call (kept), and the call, if there was one.</summary>
    public sealed record Reply(string Text, FunctionCallContent? Call);

    public static Reply Parse(string text, IReadOnlyList<AIFunctionDeclaration> tools)
    {
        var start = text.IndexOf(FunctionOpen, StringComparison.Ordinal);
        if (start < 0)
            return new Reply(text, null);
        var before = StripStrayTags(text[..start]);

        var nameEnd = text.IndexOf('>', start);
        var name = nameEnd < 0 ? "" : text[(start + FunctionOpen.Length)..nameEnd].Trim();
        if (name.Length == 0 || name.Any(char.IsWhiteSpace))
            return new Reply(before, Malformed(name.Length == 0 ? "unknown" : name, [], "the call does not start with <function=TOOL_NAME>"));

        var bodyStart = nameEnd + 1;
        var close = text.IndexOf(FunctionClose, bodyStart, StringComparison.Ordinal);
        // Without a closing tag (the stop word cut it off, or the reply ended) the call runs to the end of the reply.
        var body = close < 0 ? TrimPartialClose(text[bodyStart..]) : text[bodyStart..close];

        var tool = tools.FirstOrDefault(t => t.Name == name);
        var (values, problem) = ReadParameters(body);
        if (problem is not null)
            return new Reply(before, Malformed(name, values, problem));
        if (tool is null)
            return new Reply(before, Call(name, Json(values.Select(v => (v.Name, PromptToolSchema.StringElement(v.Value))))));

        var missing = PromptToolSchema.Required(tool.JsonSchema).Where(r => !values.Any(v => v.Name == r)).ToList();
        if (missing.Count > 0)
        {
            return new Reply(before, Malformed(name, values,
                $"the required parameter{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} "
                + $"{(missing.Count > 1 ? "are" : "is")} missing"));
        }

        var typed = new List<(string, JsonElement)>();
        foreach (var (parameter, value) in values)
        {
            var property = PromptToolSchema.Property(tool.JsonSchema, parameter);
            var type = PromptToolSchema.TypeOf(property);
            var element = Coerce(value, type, HasEnum(property));
            if (element is null)
                return new Reply(before, Malformed(name, values, $"the value of '{parameter}' must be {Article(type)} {type}{(type is "array" or "object" ? " written as JSON" : "")}, not: {Preview(value)}"));
            typed.Add((parameter, element.Value));
        }
        return new Reply(before, Call(name, Json(typed)));
    }

    /// <summary>
    /// Each <c>&lt;parameter=NAME&gt;value&lt;/parameter&gt;</c> in order, or the first thing that is not one. The last
    /// parameter may lack its closing tag when the reply was cut off.
    /// </summary>
    private static (List<(string Name, string Value)> Values, string? Problem) ReadParameters(string body)
    {
        var values = new List<(string Name, string Value)>();
        var position = 0;
        while (true)
        {
            while (position < body.Length && char.IsWhiteSpace(body[position]))
                position++;
            if (position >= body.Length)
                return (values, null);
            if (string.CompareOrdinal(body, position, ParameterOpen, 0, ParameterOpen.Length) != 0)
                return (values, $"unexpected text inside the call: {Preview(body[position..])}; each parameter must be written as <parameter=NAME>value</parameter>");
            var nameEnd = body.IndexOf('>', position);
            var name = nameEnd < 0 ? "" : body[(position + ParameterOpen.Length)..nameEnd].Trim();
            if (name.Length == 0 || name.Any(char.IsWhiteSpace))
                return (values, $"a parameter does not start with <parameter=NAME>: {Preview(body[position..])}");
            var valueStart = nameEnd + 1;
            var valueEnd = body.IndexOf(ParameterClose, valueStart, StringComparison.Ordinal);
            string value;
            if (valueEnd >= 0)
            {
                value = body[valueStart..valueEnd];
                position = valueEnd + ParameterClose.Length;
            }
            else if (body.IndexOf(ParameterOpen, valueStart, StringComparison.Ordinal) < 0)
            {
                value = body[valueStart..].TrimEnd(' ', '\t', '\r', '\n');
                position = body.Length;
            }
            else
            {
                return (values, $"the parameter '{name}' has no closing </parameter>");
            }
            if (values.Any(v => v.Name == name))
                return (values, $"the parameter '{name}' is given twice");
            values.Add((name, StripFramingNewlines(value)));
        }
    }

    /// <summary>A value typed for the schema, or null when the text cannot be one.</summary>
    private static JsonElement? Coerce(string value, string type, bool hasEnum)
    {
        var trimmed = value.Trim();
        switch (type)
        {
            case "integer":
                return long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                    ? ParseJson(integer.ToString(CultureInfo.InvariantCulture)) : null;
            case "number":
                return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? ParseJson(trimmed) : null;
            case "boolean":
                return trimmed.Equals("true", StringComparison.OrdinalIgnoreCase) ? ParseJson("true")
                    : trimmed.Equals("false", StringComparison.OrdinalIgnoreCase) ? ParseJson("false") : null;
            case "array":
                return ParseJson(trimmed) is { ValueKind: JsonValueKind.Array } array ? array : null;
            case "object":
                return ParseJson(trimmed) is { ValueKind: JsonValueKind.Object } obj ? obj : null;
            default:
                // Text is kept as written; only a choice from a fixed list forgives stray spaces.
                return PromptToolSchema.StringElement(hasEnum ? trimmed : value);
        }
    }

    /// <summary>The line break after the opening tag and the one before the closing tag frame the value.</summary>
    private static string StripFramingNewlines(string value)
    {
        if (value.StartsWith("\r\n", StringComparison.Ordinal))
            value = value[2..];
        else if (value.StartsWith('\n'))
            value = value[1..];
        if (value.EndsWith("\r\n", StringComparison.Ordinal))
            value = value[..^2];
        else if (value.EndsWith('\n'))
            value = value[..^1];
        return value;
    }

    /// <summary>Wrappers some models put right before a call (<c>&lt;tool_call&gt;</c>, an unopened <c>&lt;/think&gt;</c>).</summary>
    private static string StripStrayTags(string before)
    {
        while (true)
        {
            var trimmed = before.TrimEnd();
            if (trimmed.EndsWith("<tool_call>", StringComparison.Ordinal))
                before = trimmed[..^"<tool_call>".Length];
            else if (trimmed.EndsWith("</think>", StringComparison.Ordinal) && !trimmed.Contains("<think>", StringComparison.Ordinal))
                before = trimmed[..^"</think>".Length];
            else
                return trimmed;
        }
    }

    /// <summary>Servers that echo the stop word leave <c>&lt;/function</c> (without <c>&gt;</c>) at the end.</summary>
    private static string TrimPartialClose(string body)
    {
        var trimmed = body.TrimEnd();
        foreach (var partial in new[] { "</function", "</tool_call>" })
        {
            if (trimmed.EndsWith(partial, StringComparison.Ordinal))
                return trimmed[..^partial.Length];
        }
        return body;
    }

    private static FunctionCallContent Call(string name, string arguments) =>
        new(NewCallId(), name) { RawRepresentation = arguments, Arguments = Dictionary(arguments) };

    private static FunctionCallContent Malformed(string name, IEnumerable<(string Name, string Value)> values, string problem)
    {
        var call = Call(name, Json(values.Select(v => (v.Name, PromptToolSchema.StringElement(v.Value)))));
        call.Exception = new MalformedToolCallException(
            $"your call could not be read: {problem}. Write one call as <function={name}>, then one "
            + "<parameter=NAME>value</parameter> per parameter, then </function>.");
        return call;
    }

    private static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..24];

    private static string Json(IEnumerable<(string Name, JsonElement Value)> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in values)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<string, object?> Dictionary(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
    }

    private static JsonElement? ParseJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool HasEnum(JsonElement? property) =>
        property is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("enum", out _);

    private static string Article(string type) => type is "integer" or "object" or "array" ? "an" : "a";

    private static string Preview(string text)
    {
        var line = text.Trim().ReplaceLineEndings(" ");
        return "'" + (line.Length > 60 ? line[..60] + "…" : line) + "'";
    }
}
