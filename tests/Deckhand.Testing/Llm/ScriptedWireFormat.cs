namespace Deckhand.Testing.Llm;

/// <summary>The API a request arrived through; the scripted server answers in the same format.</summary>
public enum ScriptedWireFormat
{
    /// <summary>OpenAI <c>POST /v1/chat/completions</c>.</summary>
    OpenAiChatCompletions,

    /// <summary>Anthropic <c>POST /v1/messages</c>.</summary>
    AnthropicMessages,
}
