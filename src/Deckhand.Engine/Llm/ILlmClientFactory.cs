using Deckhand.Contracts.Conversations;
using Deckhand.Engine.Llm.Resilience;
using Microsoft.Extensions.AI;

namespace Deckhand.Engine.Llm;

/// <summary>Turns a conversation's LLM settings into a chat client. The seam tests and providers plug into.</summary>
public interface ILlmClientFactory
{
    IChatClient Create(LlmConfig config);
}

/// <summary>Anthropic models through the official Anthropic SDK, any other through the OpenAI SDK; prompt-based tool calling when asked.</summary>
public sealed class LlmClientFactory : ILlmClientFactory
{
    public IChatClient Create(LlmConfig config)
    {
        IChatClient client = config.Model.StartsWith("anthropic/", StringComparison.OrdinalIgnoreCase)
            ? new Anthropic.AnthropicChatClient(config)
            : new OpenAiChatClient(config);
        // Models without native tool calling get the tools described in the prompt and their calls parsed from text.
        if (!config.NativeToolCalling)
            client = new PromptTools.PromptToolCallingChatClient(client);
        // The one retry layer (backoff, Retry-After, per-attempt timeout); the SDKs' own retries are off.
        return new RetryingChatClient(client, config);
    }
}
