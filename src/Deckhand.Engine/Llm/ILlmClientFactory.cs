using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Llm;

/// <summary>Turns a conversation's LLM settings into a chat client. The seam tests and providers plug into.</summary>
public interface ILlmClientFactory
{
    IChatClient Create(LlmConfig config);
}

/// <summary>Anthropic models through the official Anthropic SDK; any other model through the OpenAI SDK.</summary>
public sealed class LlmClientFactory : ILlmClientFactory
{
    public IChatClient Create(LlmConfig config)
    {
        if (config.Model.StartsWith("anthropic/", StringComparison.OrdinalIgnoreCase))
            return new Anthropic.AnthropicChatClient(config);
        return new OpenAiChatClient(config);
    }
}
