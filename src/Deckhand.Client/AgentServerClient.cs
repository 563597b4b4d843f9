using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Deckhand.Contracts.Content;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Llm;
using Deckhand.Contracts.Mcp;

namespace Deckhand.Client;

/// <summary>
/// Typed client for an agent-server's REST API. Non-success answers throw <see cref="AgentServerException"/>
/// carrying the status code and the server's <c>detail</c>.
/// </summary>
public sealed class AgentServerClient(HttpClient http, string? sessionApiKey = null)
{
    public const string SessionKeyHeader = "X-Session-API-Key";

    public Uri BaseAddress => http.BaseAddress!;

    public string? SessionApiKey => sessionApiKey;

    /// <summary>Creates a conversation; <c>Created</c> is false when the id already existed (HTTP 200).</summary>
    public async Task<(ConversationInfo Info, bool Created)> CreateConversationAsync(StartConversationRequest request,
        CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/conversations",
            // Storage options write secrets in plain text: the server needs the real API key.
            JsonContent.Create(request, DeckhandJson.Storage.StartConversationRequest), cancellationToken);
        var info = await ReadAsync(response, DeckhandJson.Wire.ConversationInfo, cancellationToken);
        return (info, response.StatusCode == HttpStatusCode.Created);
    }

    public async Task<ConversationInfo?> GetConversationAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/conversations/{id}", null, cancellationToken, allowNotFound: true);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync(response, DeckhandJson.Wire.ConversationInfo, cancellationToken);
    }

    /// <summary><c>GET /api/conversations?ids=..</c>: one item per id, in order, null for unknown ids.</summary>
    public async Task<List<ConversationInfo?>> BatchGetConversationsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
            return [];
        var query = string.Join("&", ids.Select(id => "ids=" + id.ToString("N")));
        using var response = await SendAsync(HttpMethod.Get, "api/conversations?" + query, null, cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.ListConversationInfo, cancellationToken);
    }

    /// <summary><c>PATCH /api/conversations/{id}</c>.</summary>
    public async Task UpdateConversationAsync(Guid id, UpdateConversationRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Patch, $"api/conversations/{id}",
            JsonContent.Create(request, DeckhandJson.Wire.UpdateConversationRequest), cancellationToken);
    }

    /// <summary><c>POST /api/bash/execute_bash_command</c>: runs a command on the server and waits for its last output.</summary>
    public async Task<Contracts.Bash.BashOutput> ExecuteBashAsync(Contracts.Bash.ExecuteBashRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/bash/execute_bash_command",
            JsonContent.Create(request, DeckhandJson.Wire.ExecuteBashRequest), cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.BashEvent, cancellationToken) as Contracts.Bash.BashOutput
            ?? throw new AgentServerException(response.StatusCode, "The answer was not a BashOutput.");
    }

    public async Task<ConversationPage> SearchConversationsAsync(string query = "", CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/conversations/search" + query, null, cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.ConversationPage, cancellationToken);
    }

    public Task RunAsync(Guid id, CancellationToken cancellationToken = default) => PostAsync($"api/conversations/{id}/run", cancellationToken);

    public Task PauseAsync(Guid id, CancellationToken cancellationToken = default) => PostAsync($"api/conversations/{id}/pause", cancellationToken);

    public Task InterruptAsync(Guid id, CancellationToken cancellationToken = default) => PostAsync($"api/conversations/{id}/interrupt", cancellationToken);

    public async Task DeleteConversationAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"api/conversations/{id}", null, cancellationToken);
    }

    public Task SendMessageAsync(Guid id, string text, bool run, CancellationToken cancellationToken = default) =>
        SendMessageAsync(id, new SendMessageRequest { Role = MessageRole.User, Content = [new TextContent(text)], Run = run }, cancellationToken);

    public async Task SendMessageAsync(Guid id, SendMessageRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/conversations/{id}/events",
            JsonContent.Create(request, DeckhandJson.Wire.SendMessageRequest), cancellationToken);
    }

    public async Task SetConfirmationPolicyAsync(Guid id, ConfirmationPolicy policy, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/conversations/{id}/confirmation_policy",
            JsonContent.Create(new SetConfirmationPolicyRequest { Policy = policy }, DeckhandJson.Wire.SetConfirmationPolicyRequest), cancellationToken);
    }

    /// <summary>Sets the security analyzer; null removes it.</summary>
    public async Task SetSecurityAnalyzerAsync(Guid id, SecurityAnalyzer? analyzer, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/conversations/{id}/security_analyzer",
            JsonContent.Create(new SetSecurityAnalyzerRequest { SecurityAnalyzer = analyzer }, DeckhandJson.Wire.SetSecurityAnalyzerRequest),
            cancellationToken);
    }

    /// <summary>Accepts the calls waiting for confirmation (the run continues), or rejects them with a reason.</summary>
    public async Task RespondToConfirmationAsync(Guid id, bool accept, string? reason = null, CancellationToken cancellationToken = default)
    {
        var request = new ConfirmationResponseRequest { Accept = accept };
        if (reason is not null)
            request.Reason = reason;
        using var response = await SendAsync(HttpMethod.Post, $"api/conversations/{id}/events/respond_to_confirmation",
            JsonContent.Create(request, DeckhandJson.Wire.ConfirmationResponseRequest), cancellationToken);
    }

    /// <summary>One page of events; <paramref name="query"/> is the raw query string (e.g. <c>?kind=MessageEvent</c>).</summary>
    public async Task<EventPage> SearchEventsAsync(Guid id, string query = "", CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/conversations/{id}/events/search{query}", null, cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.EventPage, cancellationToken);
    }

    /// <summary>Every event of a conversation, paging through search.</summary>
    public async Task<List<Contracts.Events.Event>> AllEventsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var all = new List<Contracts.Events.Event>();
        string? page = null;
        do
        {
            var result = await SearchEventsAsync(id, page is null ? "?limit=100" : $"?limit=100&page_id={page}", cancellationToken);
            all.AddRange(result.Items);
            page = result.NextPageId;
        }
        while (page is not null);
        return all;
    }

    public async Task<string> GetFinalResponseAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/conversations/{id}/agent_final_response", null, cancellationToken);
        return (await ReadAsync(response, DeckhandJson.Wire.AgentFinalResponse, cancellationToken)).Response;
    }

    /// <summary><c>POST /{id}/fork</c>: the fork's info (HTTP 201).</summary>
    public async Task<ConversationInfo> ForkConversationAsync(Guid id, ForkConversationRequest? request = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/conversations/{id}/fork",
            JsonContent.Create(request ?? new ForkConversationRequest(), DeckhandJson.Wire.ForkConversationRequest), cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.ConversationInfo, cancellationToken);
    }

    /// <summary><c>POST /{id}/ask_agent</c>: the model's answer; nothing is recorded in the conversation.</summary>
    public async Task<string> AskAgentAsync(Guid id, string question, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/conversations/{id}/ask_agent",
            JsonContent.Create(new AskAgentRequest { Question = question }, DeckhandJson.Wire.AskAgentRequest), cancellationToken);
        return (await ReadAsync(response, DeckhandJson.Wire.AskAgentResponse, cancellationToken)).Response;
    }

    /// <summary>Deckhand's <c>GET /api/conversations/{id}/mcp</c>: each MCP server's status, tools and error.</summary>
    public async Task<McpServersStatus> GetMcpStatusAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/conversations/{id}/mcp", null, cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.McpServersStatus, cancellationToken);
    }

    /// <summary><c>POST /api/mcp/test</c>: tries one MCP server configuration (200 whether or not it works).</summary>
    public async Task<McpTestResponse> TestMcpServerAsync(McpTestRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/mcp/test",
            JsonContent.Create(request, DeckhandJson.Storage.McpTestRequest), cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.McpTestResponse, cancellationToken);
    }

    /// <summary><c>POST /api/conversations/{id}/secrets</c>: values are plain strings (static secrets) or secret-source objects.</summary>
    public async Task UpdateSecretsAsync(Guid id, IReadOnlyDictionary<string, JsonElement> secrets, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/conversations/{id}/secrets",
            JsonContent.Create(new UpdateSecretsRequest { Secrets = secrets }, DeckhandJson.Storage.UpdateSecretsRequest), cancellationToken);
    }

    /// <summary>Deckhand's <c>GET /api/conversations/{id}/skills</c>: the skills a conversation found and why each is (not) in use.</summary>
    public async Task<Contracts.Skills.ConversationSkills> GetSkillsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/conversations/{id}/skills", null, cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.ConversationSkills, cancellationToken);
    }

    /// <summary><c>POST /api/skills</c>: the user and project skills of <paramref name="projectDir"/> (public skills not loaded).</summary>
    public async Task<Contracts.Skills.SkillsResponse> ListSkillsAsync(string? projectDir, CancellationToken cancellationToken = default)
    {
        var request = new Contracts.Skills.SkillsRequest { LoadPublic = false, LoadOrg = false, ProjectDir = projectDir };
        using var response = await SendAsync(HttpMethod.Post, "api/skills", JsonContent.Create(request, DeckhandJson.Wire.SkillsRequest), cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.SkillsResponse, cancellationToken);
    }

    /// <summary>
    /// <c>POST /api/hooks</c>: the hook configuration of <paramref name="projectDir"/> (<c>.openhands/hooks.json</c>) as
    /// <c>{"event_type": [matchers]}</c>, or null when it has none.
    /// </summary>
    public async Task<JsonElement?> GetHooksAsync(string? projectDir, CancellationToken cancellationToken = default)
    {
        var body = new System.Text.Json.Nodes.JsonObject { ["project_dir"] = projectDir };
        using var response = await SendAsync(HttpMethod.Post, "api/hooks", JsonContent.Create(body, DeckhandJson.Wire.JsonObject), cancellationToken);
        var answer = await ReadAsync(response, DeckhandJson.Wire.JsonElement, cancellationToken);
        return answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("hook_config", out var config) && config.ValueKind == JsonValueKind.Object
            ? config
            : null;
    }

    /// <summary><c>GET /api/file/download</c>: the file's bytes, or null when it does not exist.</summary>
    public async Task<byte[]?> DownloadFileAsync(string absolutePath, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/file/download?path=" + Uri.EscapeDataString(absolutePath), null, cancellationToken,
            allowNotFound: true);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary><c>POST /api/file/upload</c>: writes <paramref name="content"/> to <paramref name="absolutePath"/> (parents created).</summary>
    public async Task UploadFileAsync(string absolutePath, Stream content, CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StreamContent(content), "file", Path.GetFileName(absolutePath));
        using var response = await SendAsync(HttpMethod.Post, "api/file/upload?path=" + Uri.EscapeDataString(absolutePath), form, cancellationToken);
    }

    /// <summary><c>GET /api/git/changes</c> of the repository at <paramref name="path"/> ([] when it is not one).</summary>
    public async Task<List<Contracts.Git.GitChange>> GitChangesAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/git/changes?path=" + Uri.EscapeDataString(path), null, cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.ListGitChange, cancellationToken);
    }

    /// <summary><c>GET /api/git/diff</c> of one file: its working copy and its content at the base ref.</summary>
    public async Task<Contracts.Git.GitDiff> GitDiffAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/git/diff?path=" + Uri.EscapeDataString(path), null, cancellationToken);
        return await ReadAsync(response, DeckhandJson.Wire.GitDiff, cancellationToken);
    }

    /// <summary>Opens <c>/sockets/events/{id}</c>; see <see cref="EventSocket"/>.</summary>
    public Task<EventSocket> ConnectEventsAsync(Guid id, EventSocketOptions? options = null, CancellationToken cancellationToken = default) =>
        EventSocket.ConnectAsync(BaseAddress, id, sessionApiKey, options ?? new EventSocketOptions(), cancellationToken);

    private async Task PostAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, path, null, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken,
        bool allowNotFound = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (sessionApiKey is not null)
            request.Headers.Add(SessionKeyHeader, sessionApiKey);
        var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == HttpStatusCode.NotFound))
            return response;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.Dispose();
        throw new AgentServerException(response.StatusCode, Detail(body));
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> info, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync(info, cancellationToken)
        ?? throw new AgentServerException(response.StatusCode, "Empty response body.");

    private static string Detail(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var detail))
                return detail.ValueKind == JsonValueKind.String ? detail.GetString()! : detail.GetRawText();
        }
        catch (JsonException)
        {
        }
        return body;
    }
}

/// <summary>A non-success answer from the agent-server.</summary>
public sealed class AgentServerException(HttpStatusCode status, string detail) : Exception($"HTTP {(int)status}: {detail}")
{
    public HttpStatusCode StatusCode { get; } = status;
    public string Detail { get; } = detail;
}
