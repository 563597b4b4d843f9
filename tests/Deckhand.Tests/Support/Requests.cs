using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;

namespace Deckhand.Tests.Support;

/// <summary>Create requests pointed at a scripted LLM.</summary>
public static class Requests
{
    public const string ApiKey = "sk-test-secret-value-123";

    public static StartConversationRequest Start(Uri llmBaseUrl, string? initialMessage = null, int maxIterations = 50, Guid? id = null) => new()
    {
        ConversationId = id,
        Workspace = new Workspace { WorkingDir = Path.GetTempPath() },
        Agent = new AgentSpec
        {
            Llm = new LlmConfig
            {
                Model = "openai/scripted-model",
                BaseUrl = llmBaseUrl.ToString(),
                ApiKey = new SecretString(ApiKey),
                NumRetries = 1,
                Timeout = 30,
            },
        },
        InitialMessage = initialMessage is null ? null : new SendMessageRequest { Content = [new TextContent(initialMessage)] },
        MaxIterations = maxIterations,
    };
}
