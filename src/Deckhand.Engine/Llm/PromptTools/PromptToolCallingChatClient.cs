using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiTextContent = Microsoft.Extensions.AI.TextContent;

namespace Deckhand.Engine.Llm.PromptTools;

/// <summary>
/// Tool calling for models without native support (<c>native_tool_calling: false</c>): the provider gets no tools,
/// only a system prompt that describes them and a history written as text; the reply's <c>&lt;function=…&gt;</c>
/// block comes back as one <see cref="FunctionCallContent"/>, so the agent cannot tell the two modes apart.
/// </summary>
public sealed class PromptToolCallingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    /// <summary>Ends the reply at the call's closing tag, so the model cannot go on to imagine the tool's output.</summary>
    public const string StopSequence = "</function";

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        var response = await base.GetResponseAsync(PromptToolRenderer.Messages(messages, tools), Options(options, tools), cancellationToken);
        return tools.Count == 0 ? response : WithCall(response, tools);
    }

    /// <summary>
    /// The whole reply is needed to find the call, so this answers in one piece; token streaming to clients is
    /// not wired through this path yet.
    /// </summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
            yield return update;
    }

    private static ChatOptions? Options(ChatOptions? options, List<AIFunctionDeclaration> tools)
    {
        if (options is null)
            return null;
        var result = options.Clone();
        result.Tools = null;
        result.ToolMode = null;
        result.AllowMultipleToolCalls = null;
        if (tools.Count > 0)
            result.StopSequences = [.. options.StopSequences ?? [], StopSequence];
        return result;
    }

    private static ChatResponse WithCall(ChatResponse response, List<AIFunctionDeclaration> tools)
    {
        var index = response.Messages.Count - 1;
        while (index >= 0 && response.Messages[index].Role != ChatRole.Assistant)
            index--;
        if (index < 0)
            return response;
        var reply = response.Messages[index];
        var text = string.Concat(reply.Contents.OfType<AiTextContent>().Select(t => t.Text));
        var parsed = PromptToolCallParser.Parse(text, tools);
        if (parsed.Call is null)
            return response;

        var contents = reply.Contents.Where(c => c is not AiTextContent).ToList();
        if (parsed.Text.Length > 0)
            contents.Insert(0, new AiTextContent(parsed.Text));
        contents.Add(parsed.Call);
        var messages = response.Messages.ToList();
        messages[index] = new AiChatMessage(ChatRole.Assistant, contents)
        {
            AuthorName = reply.AuthorName,
            MessageId = reply.MessageId,
            RawRepresentation = reply.RawRepresentation,
        };
        return new ChatResponse(messages)
        {
            ResponseId = response.ResponseId,
            ConversationId = response.ConversationId,
            ModelId = response.ModelId,
            CreatedAt = response.CreatedAt,
            FinishReason = ChatFinishReason.ToolCalls,
            Usage = response.Usage,
            RawRepresentation = response.RawRepresentation,
            AdditionalProperties = response.AdditionalProperties,
        };
    }
}
