using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;

namespace Deckhand.Engine.Llm.PromptTools;

/// <summary>
/// The outgoing half of prompt-based tool calling: the tools described in the system prompt, and a history in which
/// earlier calls are plain <c>&lt;function=…&gt;</c> text and their results are user messages, so a model without
/// native tool calls reads one consistent format from start to finish.
/// </summary>
internal static class PromptToolRenderer
{
    public const string ResultPrefix = "Result of ";

    private const string Instructions = """
        ## Calling tools

        You act by calling the tools listed below. To call one, write a call block in your reply. The block is read,
        the tool runs, and its output comes back to you in the next user message, starting with "Result of <tool name>:".

        This is how a call block looks (an illustration only: `lookup_word` is not one of your tools):

        <function=lookup_word>
        <parameter=word>harbour</parameter>
        <parameter=max_results>3</parameter>
        <parameter=note>
        A value may span several lines.
        Its line breaks are kept exactly as written.
        </parameter>
        </function>

        Rules for calls:
        - At most one call per reply. End the reply right after </function>; anything after it is ignored.
        - Explain your reasoning, if you want to, before the call block and never after it.
        - Give every required parameter; leave out optional parameters you do not need.
        - Write text values as they are, without quotes or escaping. A line break right after <parameter=NAME> and one
          right before </parameter> are not part of the value.
        - Write integer, number and boolean values as plain literals (42, 0.5, true), and array or object values as JSON.
        - When no tool is needed, answer in plain text without a call block.

        Your tools:
        """;

    /// <summary>The system prompt section describing <paramref name="tools"/> and the call format.</summary>
    public static string SystemSection(IReadOnlyList<AIFunctionDeclaration> tools)
    {
        var text = new StringBuilder(Instructions.ReplaceLineEndings("\n"));
        foreach (var tool in tools)
        {
            text.Append("\n\n### ").Append(tool.Name).Append('\n');
            if (!string.IsNullOrWhiteSpace(tool.Description))
                text.Append(tool.Description.Trim()).Append('\n');
            AppendParameters(text, tool.JsonSchema);
        }
        return text.ToString();
    }

    /// <summary>
    /// <paramref name="messages"/> as a model without native tool calls reads them: the tools section added to the
    /// first system message, calls as text, results as user messages merged with any adjacent user message.
    /// </summary>
    public static List<AiChatMessage> Messages(IEnumerable<AiChatMessage> messages, IReadOnlyList<AIFunctionDeclaration> tools)
    {
        var result = new List<AiChatMessage>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var sectionAdded = tools.Count == 0;
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System && !sectionAdded)
            {
                result.Add(WithSection(message, SystemSection(tools)));
                sectionAdded = true;
            }
            else if (message.Role == ChatRole.Assistant && message.Contents.Any(c => c is FunctionCallContent))
            {
                result.Add(AssistantAsText(message, callNames));
            }
            else if (message.Role == ChatRole.Tool || (message.Role == ChatRole.User && message.Contents.Any(c => c is FunctionResultContent)))
            {
                AddUser(result, [.. message.Contents.Select(c => c is FunctionResultContent r ? ResultAsText(r, callNames) : c)]);
            }
            else if (message.Role == ChatRole.User && result.Count > 0 && result[^1].Role == ChatRole.User)
            {
                AddUser(result, [.. message.Contents]);
            }
            else
            {
                result.Add(message);
            }
        }
        if (!sectionAdded)
            result.Insert(0, new AiChatMessage(ChatRole.System, SystemSection(tools)));
        return result;
    }

    /// <summary>One call as the model writes it. String values go on their own lines when they span several.</summary>
    public static string CallText(FunctionCallContent call)
    {
        var text = new StringBuilder("<function=").Append(call.Name).Append(">\n");
        foreach (var (name, value) in Arguments(call))
        {
            text.Append("<parameter=").Append(name).Append('>');
            if (value.ValueKind == JsonValueKind.String)
            {
                var s = value.GetString()!;
                text.Append(s.Contains('\n', StringComparison.Ordinal) ? "\n" + s + "\n" : s);
            }
            else
            {
                text.Append(value.GetRawText());
            }
            text.Append("</parameter>\n");
        }
        return text.Append("</function>").ToString();
    }

    private static AiChatMessage WithSection(AiChatMessage system, string section)
    {
        // Joined to the first text block rather than added as a block of its own: the first block is the static,
        // cacheable part of the prompt, and the tools are just as static.
        var contents = system.Contents.ToList();
        var first = contents.FindIndex(c => c is AiTextContent);
        if (first < 0)
            contents.Insert(0, new AiTextContent(section));
        else
            contents[first] = new AiTextContent(((AiTextContent)contents[first]).Text + "\n\n" + section);
        return new AiChatMessage(ChatRole.System, contents) { AuthorName = system.AuthorName };
    }

    private static AiChatMessage AssistantAsText(AiChatMessage message, Dictionary<string, string> callNames)
    {
        var parts = new List<string>();
        var others = new List<AIContent>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case AiTextContent text when text.Text.Length > 0:
                    parts.Add(text.Text);
                    break;
                case FunctionCallContent call:
                    callNames[call.CallId] = call.Name;
                    parts.Add(CallText(call));
                    break;
                case AiTextContent:
                    break;
                default:
                    others.Add(content); // e.g. reasoning, which providers that need it echo back
                    break;
            }
        }
        return new AiChatMessage(ChatRole.Assistant, [.. others, new AiTextContent(string.Join("\n", parts))]);
    }

    private static AiTextContent ResultAsText(FunctionResultContent result, Dictionary<string, string> callNames)
    {
        var name = callNames.GetValueOrDefault(result.CallId, "tool call " + result.CallId);
        return new AiTextContent(ResultPrefix + name + ":\n" + (result.Result?.ToString() ?? ""));
    }

    /// <summary>Adds user content, merged into the previous message when that is a user message too.</summary>
    private static void AddUser(List<AiChatMessage> result, List<AIContent> contents)
    {
        if (result.Count > 0 && result[^1].Role == ChatRole.User)
            result[^1] = new AiChatMessage(ChatRole.User, [.. result[^1].Contents, .. contents]);
        else
            result.Add(new AiChatMessage(ChatRole.User, contents));
    }

    private static List<(string Name, JsonElement Value)> Arguments(FunctionCallContent call)
    {
        if (call.RawRepresentation is string raw)
        {
            try
            {
                using var doc = JsonDocument.Parse(raw);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                    return [.. doc.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.Clone()))];
            }
            catch (JsonException)
            {
                // Not JSON (a call the model got wrong natively): shown as one value, so the model still sees what it sent.
                return [("arguments", PromptToolSchema.StringElement(raw))];
            }
        }
        return [.. (call.Arguments ?? new Dictionary<string, object?>()).Select(a => (a.Key, a.Value switch
        {
            JsonElement e => e,
            string s => PromptToolSchema.StringElement(s),
            null => default,
            var other => PromptToolSchema.StringElement(other.ToString() ?? ""),
        })).Where(a => a.Item2.ValueKind != JsonValueKind.Undefined)];
    }

    private static void AppendParameters(StringBuilder text, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties)
            || properties.ValueKind != JsonValueKind.Object || !properties.EnumerateObject().Any())
        {
            text.Append("Parameters: none.\n");
            return;
        }
        var required = PromptToolSchema.Required(schema);
        text.Append("Parameters:\n");
        foreach (var property in properties.EnumerateObject())
        {
            text.Append("- ").Append(property.Name).Append(" (").Append(PromptToolSchema.TypeLabel(property.Value))
                .Append(required.Contains(property.Name) ? ", required" : ", optional");
            if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("enum", out var values)
                && values.ValueKind == JsonValueKind.Array)
            {
                text.Append(", one of: ").AppendJoin(", ", values.EnumerateArray().Select(v =>
                    v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()));
            }
            text.Append(')');
            if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("description", out var description)
                && description.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(description.GetString()))
            {
                text.Append(": ").Append(description.GetString()!.Trim().ReplaceLineEndings(" "));
            }
            text.Append('\n');
        }
    }
}
