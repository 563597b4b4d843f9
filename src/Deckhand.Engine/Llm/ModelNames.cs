namespace Deckhand.Engine.Llm;

/// <summary>Splits LiteLLM-style <c>provider/model</c> strings into what the OpenAI-compatible endpoint expects.</summary>
public static class ModelNames
{
    // Prefixes that name a route to an OpenAI-compatible server rather than part of the model id.
    private static readonly string[] RoutingPrefixes =
        ["openai/", "litellm_proxy/", "openrouter/", "ollama/", "ollama_chat/", "hosted_vllm/", "vllm/", "lm_studio/", "llamacpp/", "deepseek/"];

    public static string ForOpenAiEndpoint(string model)
    {
        foreach (var prefix in RoutingPrefixes)
        {
            if (model.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return model[prefix.Length..];
        }
        return model;
    }

    public static Uri DefaultBaseUrl(string model) =>
        model.StartsWith("openrouter/", StringComparison.OrdinalIgnoreCase) ? new Uri("https://openrouter.ai/api/v1")
        : model.StartsWith("ollama", StringComparison.OrdinalIgnoreCase) ? new Uri("http://127.0.0.1:11434/v1")
        : new Uri("https://api.openai.com/v1");
}
