using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>Everything the agent-server's create request is built from.</summary>
public sealed record ConversationInputs
{
    public required Guid ConversationId { get; init; }
    public required AppConversationStartRequest Request { get; init; }
    public required UserSettings Settings { get; init; }
    public required string ProjectDir { get; init; }
    public IReadOnlyDictionary<string, string> CustomSecrets { get; init; } = new Dictionary<string, string>();
    public GitToken? GitToken { get; init; }
    public IReadOnlyList<JsonElement> UserSkills { get; init; } = [];

    /// <summary>Extra instructions for the agent's system prompt (V0 <c>conversation_instructions</c>).</summary>
    public string? ConversationInstructions { get; init; }

    /// <summary>An MCP config replacing the settings' one (V0 <c>mcp_config</c>).</summary>
    public JsonElement? McpConfig { get; init; }

    /// <summary>V0 <c>replay_json</c> (a recorded trajectory): the agent-server replays its actions before the first LLM call.</summary>
    public string? ReplayJson { get; init; }
}

/// <summary>
/// Builds the agent-server <c>StartConversationRequest</c> from the user's settings (V1 spec §5.6): the LLM (model,
/// base URL, key), the tools of the agent type, a summarizing condenser sized by <c>condenser_max_size</c>, the MCP
/// servers of the settings, the confirmation policy and analyzer, custom secrets and the provider token as static
/// secrets, and the project folder as the workspace (so the agent-server finds the repository's AGENTS.md and skills).
/// </summary>
public static class ConversationRequestBuilder
{
    public const int DefaultCondenserMaxSize = 80;
    public const int DefaultKeepFirst = 4;

    /// <summary>OpenHands' default agent tools; <c>browser_tool_set</c> is left out (Deckhand has no browser tool).</summary>
    private static readonly string[] DefaultTools = ["terminal", "file_editor", "task_tracker"];

    /// <summary>OpenHands' planning agent reads (<c>glob</c>, <c>grep</c>) and edits its plan; Deckhand gives it the plain editor.</summary>
    private static readonly string[] PlanTools = ["glob", "grep", "file_editor"];

    /// <summary>The model the conversation will use, or null when neither the request nor the settings name one.</summary>
    public static string? Model(AppConversationStartRequest request, UserSettings settings) =>
        !string.IsNullOrWhiteSpace(request.LlmModel) ? request.LlmModel : string.IsNullOrWhiteSpace(settings.LlmModel) ? null : settings.LlmModel;

    public static StartConversationRequest Build(ConversationInputs inputs)
    {
        var settings = inputs.Settings;
        var request = inputs.Request;
        var model = Model(request, settings) ?? throw new StartStepException("No LLM model is configured.");
        var llm = new LlmConfig
        {
            Model = model,
            BaseUrl = string.IsNullOrWhiteSpace(settings.LlmBaseUrl) ? null : settings.LlmBaseUrl,
            ApiKey = settings.LlmApiKey,
            UsageId = "agent",
        };
        var plan = request.AgentType == "plan";
        CondenserSpec condenser = settings.EnableDefaultCondenser
            ? new LLMSummarizingCondenser
            {
                Llm = llm with { UsageId = plan ? "planning_condenser" : "condenser" },
                MaxSize = settings.CondenserMaxSize ?? DefaultCondenserMaxSize,
                KeepFirst = DefaultKeepFirst,
            }
            : new NoOpCondenser();
        var agent = new AgentSpec
        {
            Llm = llm,
            Tools = [.. (plan ? PlanTools : DefaultTools).Select(name => new ToolSpec { Name = name })],
            SystemPromptKwargs = JsonSerializer.SerializeToElement(new JsonObject { ["cli_mode"] = false }, DeckhandJson.Wire.JsonObject),
            Condenser = condenser,
            McpConfig = McpFromSettings(inputs.McpConfig ?? settings.McpConfig),
            AgentContext = AgentContext(inputs.UserSkills, inputs.ConversationInstructions),
        };
        var analyzer = AnalyzerFromSettings(settings.SecurityAnalyzer);
        ConfirmationPolicy policy = settings.ConfirmationMode != true ? new NeverConfirm()
            : analyzer is LLMSecurityAnalyzer ? new ConfirmRisky() : new AlwaysConfirm();
        return new StartConversationRequest
        {
            ConversationId = inputs.ConversationId,
            Workspace = new Workspace { WorkingDir = inputs.ProjectDir },
            Agent = agent,
            ConfirmationPolicy = policy,
            SecurityAnalyzer = analyzer,
            InitialMessage = request.InitialMessage is { } message ? message with { Run = true } : null,
            MaxIterations = settings.MaxIterations ?? 500,
            MaxBudgetPerTask = settings.MaxBudgetPerTask,
            Secrets = Secrets(inputs.CustomSecrets, inputs.GitToken),
            ReplayJson = inputs.ReplayJson,
        };
    }

    private static JsonElement? AgentContext(IReadOnlyList<JsonElement> skills, string? instructions)
    {
        var hasInstructions = !string.IsNullOrWhiteSpace(instructions);
        if (skills.Count == 0 && !hasInstructions)
            return null;
        var context = new JsonObject();
        if (skills.Count > 0)
            context["skills"] = new JsonArray([.. skills.Select(s => JsonNode.Parse(s.GetRawText()))]);
        if (hasInstructions)
            context["system_message_suffix"] = "Instructions for this conversation from the user who started it:\n" + instructions!.Trim();
        return JsonSerializer.SerializeToElement(context, DeckhandJson.Wire.JsonObject);
    }

    /// <summary>Custom secrets, then the provider token under <c>&lt;PROVIDER&gt;_TOKEN</c> unless a custom secret has that name.</summary>
    private static Dictionary<string, JsonElement> Secrets(IReadOnlyDictionary<string, string> custom, GitToken? token)
    {
        var secrets = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, value) in custom)
            secrets[name] = Static(value, null);
        if (token is not null && !secrets.ContainsKey(token.SecretName))
            secrets[token.SecretName] = Static(token.Credential.Token, $"{token.Provider} authentication token");
        return secrets;
    }

    // Built as plain JSON: the storage serializer writes the create request, and these values must reach the sandbox.
    private static JsonElement Static(string value, string? description) =>
        JsonSerializer.SerializeToElement(new JsonObject { ["kind"] = "StaticSecret", ["value"] = value, ["description"] = description },
            DeckhandJson.Wire.JsonObject);

    private static SecurityAnalyzer? AnalyzerFromSettings(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "llm" => new LLMSecurityAnalyzer(),
        "pattern" or "invariant" => new PatternSecurityAnalyzer(),
        _ => null,
    };

    /// <summary>
    /// The settings' MCP config (<c>sse_servers</c>, <c>shttp_servers</c>, <c>stdio_servers</c>, as the OpenHands web
    /// app saves it) as the agent's <c>{"mcpServers": {name: server}}</c>; a config already in that shape is passed on.
    /// Null when there are no servers.
    /// </summary>
    public static McpConfig? McpFromSettings(JsonElement? config)
    {
        if (config is not { ValueKind: JsonValueKind.Object } value)
            return null;
        if (value.TryGetProperty(McpConfig.ServersKey, out _))
            return new McpConfig(value.Clone());
        var servers = new JsonObject();
        AddUrlServers(servers, value, "sse_servers", "sse");
        AddUrlServers(servers, value, "shttp_servers", "http");
        if (value.TryGetProperty("stdio_servers", out var stdio) && stdio.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var server in stdio.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
            {
                var node = JsonNode.Parse(server.GetRawText())!.AsObject();
                var name = node["name"] is JsonValue n && n.TryGetValue<string>(out var text) && text.Length > 0 ? text : $"stdio_{i}";
                node.Remove("name");
                servers[Unique(servers, name)] = node;
                i++;
            }
        }
        if (servers.Count == 0)
            return null;
        return new McpConfig(JsonSerializer.SerializeToElement(new JsonObject { [McpConfig.ServersKey] = servers }, DeckhandJson.Wire.JsonObject));
    }

    private static void AddUrlServers(JsonObject servers, JsonElement config, string list, string transport)
    {
        if (!config.TryGetProperty(list, out var items) || items.ValueKind != JsonValueKind.Array)
            return;
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            string? url = null, key = null;
            if (item.ValueKind == JsonValueKind.String)
                url = item.GetString();
            else if (item.ValueKind == JsonValueKind.Object)
            {
                url = item.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
                key = item.TryGetProperty("api_key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            }
            if (string.IsNullOrWhiteSpace(url))
                continue;
            var server = new JsonObject { ["url"] = url, ["transport"] = transport };
            if (!string.IsNullOrEmpty(key))
                server["headers"] = new JsonObject { ["Authorization"] = "Bearer " + key };
            var name = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{list.Split('_')[0]}_{uri.Host}" : $"{list.Split('_')[0]}_{i}";
            servers[Unique(servers, name)] = server;
            i++;
        }
    }

    private static string Unique(JsonObject servers, string name)
    {
        var candidate = name;
        for (var n = 2; servers.ContainsKey(candidate); n++)
            candidate = $"{name}_{n}";
        return candidate;
    }

}
