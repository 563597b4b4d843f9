using System.Net;
using System.Text;
using System.Text.Json;
using Deckhand.Client;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer.Support;

/// <summary>
/// Drives app conversations over the real HTTP API of a <see cref="TestAppServer"/>, keeping every response body so a
/// test can check that no secret was ever answered.
/// </summary>
public sealed class AppFlow(TestAppServer server)
{
    public const string LlmKey = "sk-flow-llm-key-7e41c9";
    public const string CustomSecretName = "DEPLOY_TOKEN";
    public const string CustomSecretValue = "deploy-secret-93f0aa";

    public static readonly string[] AllStatuses =
        ["WORKING", "WAITING_FOR_SANDBOX", "PREPARING_REPOSITORY", "RUNNING_SETUP_SCRIPT", "SETTING_UP_GIT_HOOKS", "SETTING_UP_SKILLS",
         "STARTING_CONVERSATION", "READY"];

    private readonly List<string> _bodies = [];

    public TestAppServer Server => server;

    /// <summary>Every response body so far.</summary>
    public IReadOnlyList<string> Bodies
    {
        get
        {
            lock (_bodies)
                return [.. _bodies];
        }
    }

    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await server.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        lock (_bodies)
            _bodies.Add(body);
        return (response.StatusCode, body);
    }

    /// <summary>Sends and requires <paramref name="expected"/>; returns the parsed body.</summary>
    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, string? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (status, body) = await SendAsync(method, path, json);
        Assert.True(status == expected, $"{method} {path}: expected {(int)expected}, got {(int)status}: {body}");
        return Parse(body);
    }

    public static JsonElement Parse(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>Points the user's settings at the scripted LLM and adds a custom secret.</summary>
    public async Task ConfigureAsync(ScriptedLlmServer llm, string extraSettings = "")
    {
        await JsonAsync(HttpMethod.Post, "api/settings",
            $$"""{"llm_model":"openai/scripted-model","llm_base_url":"{{llm.BaseUrl}}","llm_api_key":"{{LlmKey}}"{{extraSettings}}}""");
        var (status, body) = await SendAsync(HttpMethod.Post, "api/secrets",
            $$"""{"name":"{{CustomSecretName}}","value":"{{CustomSecretValue}}","description":"deploys"}""");
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.BadRequest, body);
    }

    /// <summary><c>POST /api/v1/app-conversations</c>: the WORKING task.</summary>
    public Task<JsonElement> StartAsync(string request) => JsonAsync(HttpMethod.Post, "api/v1/app-conversations", request);

    /// <summary><c>POST .../stream-start</c> read to its end: every snapshot, in order.</summary>
    public async Task<List<JsonElement>> StreamStartAsync(string request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "api/v1/app-conversations/stream-start")
        {
            Content = new StringContent(request, Encoding.UTF8, "application/json"),
        };
        using var response = await server.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        lock (_bodies)
            _bodies.Add(body);
        return [.. Parse(body).EnumerateArray()];
    }

    public async Task<JsonElement> TaskAsync(string taskId) =>
        (await JsonAsync(HttpMethod.Get, $"api/v1/app-conversations/start-tasks?ids={taskId}"))[0];

    /// <summary>Polls the task until its status is READY or ERROR; returns it and every status seen, in order, without repeats.</summary>
    public async Task<(JsonElement Task, List<string> Seen)> WaitForEndAsync(string taskId, TimeSpan? timeout = null)
    {
        var seen = new List<string>();
        JsonElement task = default;
        await Wait.UntilAsync(async () =>
        {
            task = await TaskAsync(taskId);
            var status = task.GetProperty("status").GetString()!;
            if (seen.Count == 0 || seen[^1] != status)
                seen.Add(status);
            return status is "READY" or "ERROR";
        }, $"start task {taskId} to end", timeout ?? TimeSpan.FromSeconds(90));
        return (task, seen);
    }

    public async Task WaitForStatusAsync(string taskId, string status) =>
        await Wait.UntilAsync(async () => (await TaskAsync(taskId)).GetProperty("status").GetString() == status,
            $"start task {taskId} to be {status}", TimeSpan.FromSeconds(60));

    public async Task<JsonElement> ConversationAsync(string conversationId) =>
        (await JsonAsync(HttpMethod.Get, $"api/v1/app-conversations?ids={conversationId}"))[0];

    /// <summary>A client for the conversation's sandbox, from <c>conversation_url</c> and <c>session_api_key</c>.</summary>
    public static AgentServerClient Agent(JsonElement conversation)
    {
        var url = new Uri(conversation.GetProperty("conversation_url").GetString()!);
        var http = new HttpClient { BaseAddress = new Uri(url.GetLeftPart(UriPartial.Authority) + "/"), Timeout = TimeSpan.FromSeconds(60) };
        return new AgentServerClient(http, conversation.GetProperty("session_api_key").GetString());
    }

    /// <summary>A git repository in a new temp folder with <paramref name="files"/> committed on <c>main</c>.</summary>
    public static string CreateRepository(string parent, string name, IReadOnlyDictionary<string, string> files)
    {
        var dir = Path.Combine(parent, name);
        Directory.CreateDirectory(dir);
        Workspaces.Git(dir, "init", "-q");
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        Workspaces.Git(dir, "add", "-A");
        Workspaces.Git(dir, "commit", "-q", "-m", "initial");
        return dir;
    }

    /// <summary>Every status string of a list of snapshots.</summary>
    public static List<string> Statuses(IEnumerable<JsonElement> snapshots) => [.. snapshots.Select(s => s.GetProperty("status").GetString()!)];
}
