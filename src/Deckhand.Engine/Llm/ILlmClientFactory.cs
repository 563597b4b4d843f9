using Deckhand.Contracts.Conversations;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Llm;

/// <summary>Turns a conversation's LLM settings into a chat client. The seam tests and providers plug into.</summary>
public interface ILlmClientFactory
{
    IChatClient Create(LlmConfig config);
}

/// <summary>Any OpenAI-compatible endpoint through the official OpenAI SDK.</summary>
public sealed class LlmClientFactory : ILlmClientFactory
{
    public IChatClient Create(LlmConfig config)
    {
        IChatClient client = new OpenAiChatClient(config);
        return config.NativeToolCalling ? client : new PromptTools.PromptToolCallingChatClient(client);
    }
}
