using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Deckhand.Testing.Llm;

/// <summary>
/// One chat completion request as the scripted server received it. Immutable except for <see cref="Aborted"/>, which
/// completes (from a Kestrel thread) when the client disconnects before the answer was fully sent.
/// </summary>
public sealed class ScriptedRequest
{
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ScriptedRequest(string path, string body, JsonElement json, IReadOnlyDictionary<string, string> headers, ScriptedWireFormat format)
    {
        Format = format;
        Path = path;
        Body = body;
        Json = json;
        Headers = headers;
        Model = json.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString()! : "";
        Stream = json.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;
        IncludeUsage = json.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && options.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True;
        Messages = ArrayOf(json, "messages");
        Tools = ArrayOf(json, "tools");
        ToolNames = [.. Tools.Select(ToolName).OfType<string>()];
        if (json.TryGetProperty("system", out var system) && system.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            SystemJson = system;
            SystemPrompt = system.ValueKind == JsonValueKind.String ? system.GetString() : TextOf(system);
        }
    }

    /// <summary>The wire format the request arrived in (which endpoint it hit).</summary>
    public ScriptedWireFormat Format { get; }

    /// <summary>Anthropic's top-level <c>system</c> (a string or an array of text blocks); null for OpenAI requests,
    /// whose system prompt is the first message.</summary>
    public JsonElement? SystemJson { get; }

    /// <summary>The text of Anthropic's top-level <c>system</c>, blocks joined; null when absent.</summary>
    public string? SystemPrompt { get; }

    /// <summary>The <c>x-api-key</c> header (Anthropic's own auth header), if sent.</summary>
    public string? ApiKeyHeader => Headers.GetValueOrDefault("x-api-key");

    /// <summary>Zero-based position among all requests this server recorded.</summary>
    public int Index { get; internal set; }

    public string Path { get; }

    /// <summary>The raw request body.</summary>
    public string Body { get; }

    /// <summary>The parsed body (a JSON object); safe to keep after the request ends.</summary>
    public JsonElement Json { get; }

    /// <summary>The requested model, or an empty string when the request named none.</summary>
    public string Model { get; }

    public bool Stream { get; }

    /// <summary>True when the request asked for a usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; }

    public IReadOnlyList<JsonElement> Messages { get; }

    public IReadOnlyList<JsonElement> Tools { get; }

    /// <summary>The <c>function.name</c> of each tool offered, in order.</summary>
    public IReadOnlyList<string> ToolNames { get; }

    /// <summary>Request headers by case-insensitive name; repeated headers are joined with commas.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    public string? Authorization => Headers.GetValueOrDefault("Authorization");

    /// <summary>Completes when the client disconnected while the server was still answering (e.g. an interrupt).</summary>
    public Task Aborted => _aborted.Task;

    /// <summary>
    /// The text of a message: its <c>content</c> string, or its text parts joined; null when it has no text.
    /// Accepts <c>^1</c> for the last message.
    /// </summary>
    public string? MessageText(System.Index index)
    {
        var message = Messages[index];
        if (!message.TryGetProperty("content", out var content))
        {
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        return content.ValueKind == JsonValueKind.Array ? TextOf(content) : null;
    }

    private static string TextOf(JsonElement parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var partText)
                && partText.ValueKind == JsonValueKind.String)
            {
                text.Append(partText.GetString());
            }
        }

        return text.ToString();
    }

    /// <summary>The <c>role</c> of a message (<c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>; Anthropic only has <c>user</c> and <c>assistant</c>).</summary>
    public string? MessageRole(System.Index index) =>
        Messages[index].TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String ? role.GetString() : null;

    internal static bool TryParse(string path, string body, IReadOnlyDictionary<string, string> headers, [NotNullWhen(true)] out ScriptedRequest? request) =>
        TryParse(path, body, headers, ScriptedWireFormat.OpenAiChatCompletions, out request);

    internal static bool TryParse(string path, string body, IReadOnlyDictionary<string, string> headers, ScriptedWireFormat format,
        [NotNullWhen(true)] out ScriptedRequest? request)
    {
        request = null;
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(body);
            json = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return false;
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        request = new ScriptedRequest(path, body, json, headers, format);
        return true;
    }

    internal void MarkAborted() => _aborted.TrySetResult();

    private static JsonElement[] ArrayOf(JsonElement json, string name) =>
        json.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? [.. array.EnumerateArray()] : [];

    // OpenAI nests the name under "function"; Anthropic puts it on the tool itself.
    private static string? ToolName(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var holder = tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object ? function : tool;
        return holder.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
    }
}
