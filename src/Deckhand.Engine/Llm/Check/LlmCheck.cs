using System.Diagnostics;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Llm;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Deckhand.Engine.Llm.Check;

/// <summary>
/// Tests an LLM configuration with one small request that asks for a tool call, and says in plain words what works:
/// the endpoint answers, the key is accepted, the model exists, and it can call tools. Never retries (a check should
/// answer fast) and never echoes the key.
/// </summary>
public static class LlmCheck
{
    private const string ToolName = "report_status";

    public static async Task<LlmCheckResult> RunAsync(ILlmClientFactory factory, LlmConfig config, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var probe = config with { NumRetries = 1, Timeout = Math.Min(config.Timeout ?? 60, 60), Stream = false };
        using var client = factory.Create(probe);
        var tool = AIFunctionFactory.CreateDeclaration(ToolName, "Report that the connection works.", JsonDocument.Parse(
            """{"type":"object","properties":{"ok":{"type":"boolean","description":"Always true."}},"required":["ok"]}""").RootElement.Clone());
        var messages = new List<AiChatMessage>
        {
            new(ChatRole.System, "You are checking that a connection works. Do exactly what the user asks."),
            new(ChatRole.User, $"Call the {ToolName} tool with ok set to true. Do not write anything else."),
        };
        try
        {
            var response = await client.GetResponseAsync(messages, new ChatOptions { Tools = [tool], MaxOutputTokens = 256 }, cancellationToken);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            var toolCalling = calls.Any(c => c.Name == ToolName);
            return new LlmCheckResult
            {
                Model = config.Model,
                Reachable = true,
                Authenticated = true,
                ModelExists = true,
                ToolCalling = toolCalling,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                Verdict = toolCalling
                    ? "OK: the endpoint answered, the key was accepted, the model exists and it called the test tool."
                    : "Partly OK: the model answered but did not call the test tool. Set native_tool_calling to false "
                      + "to use prompt-based tool calling with this model.",
            };
        }
        catch (LlmException ex)
        {
            var reachable = ex.Code != LlmException.Unavailable || ex.StatusCode is not null;
            var authenticated = reachable && ex.Code != LlmException.Authentication;
            var modelExists = authenticated && ex.Code != "NotFoundError";
            return new LlmCheckResult
            {
                Model = config.Model,
                Reachable = reachable,
                Authenticated = authenticated,
                ModelExists = modelExists,
                ToolCalling = false,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                ErrorCode = ex.Code,
                Verdict = Explain(ex.Code, config) + " " + ex.Message,
            };
        }
    }

    private static string Explain(string code, LlmConfig config) => code switch
    {
        LlmException.Authentication => "FAILED: the provider rejected the API key (check LLM_API_KEY / api_key).",
        LlmException.Unavailable => $"FAILED: could not reach a working endpoint at {config.BaseUrl ?? "the provider's default URL"} (check base_url and that the server is up).",
        LlmException.Timeout => "FAILED: the endpoint did not answer in time.",
        LlmException.RateLimit => "FAILED: the provider is rate limiting this key right now; the settings may be fine.",
        "NotFoundError" => $"FAILED: the endpoint answered but does not know the model '{config.Model}' (check the model name and base_url).",
        _ => "FAILED: the provider refused the request.",
    };
}
