using System.CommandLine;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Llm;
using Deckhand.Engine.Llm.Check;

namespace Deckhand.Cli;

/// <summary><c>deckhand llm test</c>: does this LLM configuration work, and if not, why.</summary>
public static class LlmCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model, e.g. openai/gpt-4o (default: LLM_MODEL)." };
        var baseUrl = new Option<string?>("--base-url") { Description = "OpenAI-compatible endpoint (default: LLM_BASE_URL). The key comes from LLM_API_KEY." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var test = new Command("test", "Check an LLM configuration: reachable, key accepted, model exists, tool calling works. Exits 0 when all hold.")
        {
            model, baseUrl, json,
        };
        test.SetAction(async (parse, cancellationToken) =>
        {
            var chosen = parse.GetValue(model) ?? Environment.GetEnvironmentVariable("LLM_MODEL");
            var url = parse.GetValue(baseUrl) ?? Environment.GetEnvironmentVariable("LLM_BASE_URL");
            if (string.IsNullOrWhiteSpace(chosen))
            {
                await Console.Error.WriteLineAsync("error: no model: pass --model or set LLM_MODEL");
                return ExitCodes.BadUsage;
            }
            if (url is { Length: > 0 } && !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                await Console.Error.WriteLineAsync("error: --base-url must be an absolute URL");
                return ExitCodes.BadUsage;
            }
            var config = new LlmConfig
            {
                Model = chosen,
                BaseUrl = url,
                ApiKey = SecretString.FromInput(Environment.GetEnvironmentVariable("LLM_API_KEY")),
            };
            var result = await LlmCheck.RunAsync(new LlmClientFactory(), config, cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, DeckhandJson.Wire.LlmCheckResult));
            }
            else
            {
                Console.WriteLine($"model:          {result.Model}");
                Console.WriteLine($"reachable:      {Mark(result.Reachable)}");
                Console.WriteLine($"authenticated:  {Mark(result.Authenticated)}");
                Console.WriteLine($"model exists:   {Mark(result.ModelExists)}");
                Console.WriteLine($"tool calling:   {Mark(result.ToolCalling)}");
                Console.WriteLine($"time:           {result.LatencyMs:0} ms");
                Console.WriteLine(result.Verdict);
            }
            return result.Ok ? ExitCodes.Ok : ExitCodes.Error;
        });
        return new Command("llm", "LLM configuration tools.") { test };
    }

    private static string Mark(bool ok) => ok ? "yes" : "no";
}
