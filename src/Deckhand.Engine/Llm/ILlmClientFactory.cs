using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Llm.Resilience;
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
    public IChatClient Create(LlmConfig config) => new RetryingChatClient(new OpenAiChatClient(config), config);
}
