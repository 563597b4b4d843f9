using System.ClientModel;
using System.ClientModel.Primitives;
using Deckhand.Testing.Llm;
using OpenAI;
using OpenAI.Chat;

namespace Deckhand.Testing.Tests.Llm;

/// <summary>The official OpenAI SDK pointed at a scripted server, with retries off so error tests see one request.</summary>
internal static class OpenAiTestClients
{
    public const string ApiKey = "test-key";

    public static ChatClient Chat(ScriptedLlmServer server, string model = "gpt-4o-mini", HttpClient? http = null)
    {
        var options = new OpenAIClientOptions { Endpoint = server.BaseUrl, RetryPolicy = new ClientRetryPolicy(0) };
        if (http is not null)
        {
            options.Transport = new HttpClientPipelineTransport(http);
        }

        return new ChatClient(model, new ApiKeyCredential(ApiKey), options);
    }

    /// <summary>
    /// An HttpClient that closes the connection as soon as a half-read stream is abandoned. By default
    /// SocketsHttpHandler first drains the rest of the response for up to 2 s (ResponseDrainTimeout) to reuse the
    /// connection, so a server idling mid-stream only sees the disconnect 2 s after the client cancelled.
    /// </summary>
    public static HttpClient HttpClientWithoutResponseDrain() =>
        new(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero });

    public static ChatTool WeatherTool { get; } = ChatTool.CreateFunctionTool(
        "get_weather",
        "Current weather for a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
}
