using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Deckhand.AppServer.Sandboxes;
using Deckhand.Contracts.AppServer;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AppServer.Support;

/// <summary>
/// A sandbox in the app server's registry with no process behind it, to post webhooks as its agent-server would (the
/// real thing is covered by the end-to-end tests); and event JSON shaped like an agent-server's.
/// </summary>
public sealed class FakeSandbox
{
    private FakeSandbox(TestAppServer server, SandboxRecord record)
    {
        Server = server;
        Record = record;
    }

    public TestAppServer Server { get; }
    public SandboxRecord Record { get; }
    public string Id => Record.Id;
    public string Key => Record.SessionApiKey;

    public static async Task<FakeSandbox> RegisterAsync(TestAppServer server, string? ownerId = null)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new SandboxRecord
        {
            Id = "fake" + Guid.NewGuid().ToString("N")[..12],
            CreatedByUserId = ownerId,
            SandboxSpecId = "deckhand-agent-server",
            Provider = "process",
            Status = SandboxStatus.Running,
            SessionApiKey = "key-" + Guid.NewGuid().ToString("N"),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await server.App.Services.GetRequiredService<ISandboxRepository>().InsertAsync(record);
        return new FakeSandbox(server, record);
    }

    /// <summary>Posts JSON to a webhook path (relative to <c>/api/v1/webhooks/</c>) with this sandbox's key, or <paramref name="key"/>.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, string json, string? key = null, bool withKey = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/webhooks/" + path)
        {
            Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Remove("X-Session-API-Key");
        if (withKey)
            request.Headers.Add("X-Session-API-Key", key ?? Key);
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        return await http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostEventsAsync(Guid conversationId, params JsonObject[] events) =>
        PostAsync($"{Id}/events/{conversationId:N}", new JsonArray([.. events.Select(e => e.DeepClone())]).ToJsonString());

    /// <summary>An event as the agent-server's webhook sends it (every field, nulls included).</summary>
    public static JsonObject Event(string kind, string timestamp, string? id = null, string text = "hi") => new()
    {
        ["id"] = id ?? Guid.NewGuid().ToString(),
        ["timestamp"] = timestamp,
        ["source"] = kind == "MessageEvent" ? "user" : "agent",
        ["parent_id"] = null,
        ["llm_message"] = kind == "MessageEvent" ? new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) } : null,
        ["kind"] = kind,
    };
}
