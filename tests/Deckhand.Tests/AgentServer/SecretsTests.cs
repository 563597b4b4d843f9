using System.Net;
using System.Text.Json;
using Deckhand.Client;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Events;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Tools;
using Deckhand.Testing.Hosting;
using Deckhand.Testing.Llm;
using Deckhand.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Deckhand.Tests.AgentServer;

/// <summary>Conversation secrets: exported to the terminal, masked everywhere they could leak, never returned.</summary>
public sealed class SecretsTests : IDisposable
{
    private const string Mask = "<secret-hidden>";
    private const string Token = "tkn-5d2c9a7e41b0";

    private readonly string _workspace = TempDir.Create("deckhand-secrets-ws");

    public void Dispose() => TempDir.Delete(_workspace);

    private StartConversationRequest Start(Uri llm, IReadOnlyDictionary<string, JsonElement>? secrets = null)
    {
        var request = Requests.Start(llm) with
        {
            Workspace = new Workspace { WorkingDir = _workspace },
            Secrets = secrets ?? new Dictionary<string, JsonElement>(),
        };
        return request with { Agent = request.Agent! with { Tools = [new ToolSpec { Name = "terminal" }, new ToolSpec { Name = "file_editor" }] } };
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task SecretPrintedByEcho_ByCat_AndInErrors_IsMaskedInEvents_TheSocket_Logs_AndTheNextLlmRequests()
    {
        await File.WriteAllTextAsync(Path.Combine(_workspace, "creds.txt"), $"password={Token}\n");
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("terminal", new { command = "echo $TOKEN" }),
            ScriptedReply.ToolCall("terminal", new { command = "cat creds.txt" }),
            ScriptedReply.ToolCall("terminal", new { command = "ls /nonexistent-dir/$TOKEN" }),
            ScriptedReply.ToolCall("file_editor", new { command = "view", path = $"missing-{Token}.txt" }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));
        var logs = new RecordingLoggerProvider();
        await using var server = await TestAgentServer.StartAsync(logs: logs, deckhandLogLevel: LogLevel.Trace);
        var (created, _) = await server.Client.CreateConversationAsync(Start(llm.BaseUrl,
            new Dictionary<string, JsonElement> { ["TOKEN"] = Json($"\"{Token}\"") }));
        var id = created.Id;
        await using var socket = await server.Client.ConnectEventsAsync(id);
        Assert.Equal("full_state", Assert.IsType<ConversationStateUpdateEvent>(await socket.ReadAsync()).Key);

        await server.Client.SendMessageAsync(id, "Show me the token.", run: true);
        var streamed = await Wait.ForEventAsync(socket, e => Wait.IsStatus(e, "finished"), TimeSpan.FromSeconds(60));

        // What the tools produced, masked as they were recorded.
        var events = await server.Client.AllEventsAsync(id);
        var terminal = events.OfType<ObservationEvent>().Select(o => o.Observation).OfType<TerminalObservation>().ToList();
        Assert.Equal(3, terminal.Count);
        Assert.StartsWith(Mask + "\n", terminal[0].Text());
        Assert.StartsWith($"password={Mask}\n", terminal[1].Text());
        Assert.Contains($"/nonexistent-dir/{Mask}", terminal[2].Text());
        Assert.Equal(2, terminal[2].ExitCode);
        var editorError = events.OfType<ObservationEvent>().Single(o => o.ToolName == "file_editor").Observation;
        Assert.True(editorError.IsError);
        Assert.Contains($"missing-{Mask}.txt", editorError.Text());
        var editorCall = events.OfType<ActionEvent>().Single(a => a.ToolName == "file_editor");
        Assert.Contains($"missing-{Mask}.txt", editorCall.ToolCall.Arguments);

        // Never the value: not in REST events, not on the socket, not in any log line, not in any LLM request.
        var rest = await server.Http.GetStringAsync($"api/conversations/{id}/events/search?limit=100");
        Assert.DoesNotContain(Token, rest);
        Assert.True(rest.Split(Mask).Length - 1 >= 5, rest);
        var socketJson = string.Join("\n", streamed.Select(e => JsonSerializer.Serialize(e, DeckhandJson.Storage.Event)));
        Assert.DoesNotContain(Token, socketJson);
        Assert.Contains($"password={Mask}", socketJson);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(Token, StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains($"password={Mask}", StringComparison.Ordinal));
        var requests = llm.Requests;
        Assert.Equal(5, requests.Count);
        Assert.All(requests, r => Assert.DoesNotContain(Token, r.Body));
        Assert.StartsWith(Mask, requests[1].MessageText(^1));
        Assert.StartsWith($"password={Mask}", requests[2].MessageText(^1));
        Assert.Contains($"/nonexistent-dir/{Mask}", requests[3].MessageText(^1));
        Assert.Contains($"missing-{Mask}.txt", requests[4].MessageText(^1));

        // The system prompt names the secret (never its value), and the conversation returns it redacted.
        Assert.Contains("$TOKEN", requests[0].MessageText(0));
        var info = await server.Http.GetStringAsync($"api/conversations/{id}");
        Assert.DoesNotContain(Token, info);
        using var parsed = JsonDocument.Parse(info);
        var stored = parsed.RootElement.GetProperty("secret_registry").GetProperty("secret_sources").GetProperty("TOKEN");
        Assert.Equal("StaticSecret", stored.GetProperty("kind").GetString());
        Assert.Equal("**********", stored.GetProperty("value").GetString());
    }

    [Fact]
    public async Task LookupSecret_IsFetchedWithItsHeaders_Exported_Masked_AndItsHeaderRedacted()
    {
        const string value = "lkp-88a1f0c3d2e9x";
        await using var lookup = await SecretLookupServer.StartAsync("X-Access-Token", "jws-abc", value);
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(
            ScriptedReply.ToolCall("terminal", new { command = "echo ${#GH_TOKEN} $GH_TOKEN" }),
            ScriptedReply.ToolCall("finish", new { message = "done" }));
        await using var server = await TestAgentServer.StartAsync();
        var secret = Json($$"""{"kind":"LookupSecret","url":"{{lookup.SecretUrl}}","headers":{"X-Access-Token":"jws-abc","Accept":"text/plain"},"description":"GitHub token for the repo"}""");
        var (created, _) = await server.Client.CreateConversationAsync(
            Start(llm.BaseUrl, new Dictionary<string, JsonElement> { ["GH_TOKEN"] = secret }) with
            {
                InitialMessage = new SendMessageRequest { Content = [new Contracts.Content.TextContent("Check the token.")] },
            });
        await Wait.ForStatusAsync(server.Client, created.Id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));

        Assert.Equal(["jws-abc"], lookup.HeadersSeen);
        var observation = (await server.Client.AllEventsAsync(created.Id)).OfType<ObservationEvent>().First().Observation.Text();
        Assert.StartsWith($"{value.Length} {Mask}\n", observation);
        Assert.Contains("$GH_TOKEN: GitHub token for the repo", llm.Requests[0].MessageText(0));
        Assert.All(llm.Requests, r => Assert.DoesNotContain(value, r.Body));

        using var info = JsonDocument.Parse(await server.Http.GetStringAsync($"api/conversations/{created.Id}"));
        var stored = info.RootElement.GetProperty("secret_registry").GetProperty("secret_sources").GetProperty("GH_TOKEN");
        Assert.Equal(lookup.SecretUrl.ToString(), stored.GetProperty("url").GetString());
        Assert.Equal("**********", stored.GetProperty("headers").GetProperty("X-Access-Token").GetString());
        Assert.Equal("text/plain", stored.GetProperty("headers").GetProperty("Accept").GetString());
    }

    [Fact]
    public async Task PostSecrets_AddsSecretsToALiveConversation_ThatSurviveARestart_AndAreNeverReturned()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        var dataDir = TempDir.Create("deckhand-secrets-data");
        try
        {
            Guid id;
            await using (var server = await TestAgentServer.StartAsync(dataDir: dataDir))
            {
                (var created, _) = await server.Client.CreateConversationAsync(Start(llm.BaseUrl));
                id = created.Id;
                await server.Client.UpdateSecretsAsync(id, new Dictionary<string, JsonElement>
                {
                    ["NEW_KEY"] = Json("\"nk-value-123456\""),
                    ["OTHER_KEY"] = Json("""{"value":"ok-value-abcdef","description":"another one"}"""),
                });
                var info = await server.Http.GetStringAsync($"api/conversations/{id}");
                Assert.DoesNotContain("nk-value-123456", info);
                Assert.DoesNotContain("ok-value-abcdef", info);
                var registry = (await server.Client.GetConversationAsync(id))!.SecretRegistry.SecretSources;
                Assert.Equal(["NEW_KEY", "OTHER_KEY"], registry.Keys.Order());
                Assert.Equal("another one", registry["OTHER_KEY"].Description);
                var update = (await server.Client.AllEventsAsync(id)).OfType<ConversationStateUpdateEvent>().Single(u => u.Key == "secret_registry");
                Assert.Contains("**********", update.Value.GetRawText());
                Assert.DoesNotContain("nk-value", update.Value.GetRawText());

                // Sending the redacted placeholder back (as a client that read the state would) changes nothing.
                await server.Client.UpdateSecretsAsync(id, new Dictionary<string, JsonElement> { ["NEW_KEY"] = Json("\"**********\"") });
            }

            llm.Enqueue(
                ScriptedReply.ToolCall("terminal", new { command = "echo $NEW_KEY ${#NEW_KEY}; echo $OTHER_KEY" }),
                ScriptedReply.ToolCall("finish", new { message = "done" }));
            await using (var server = await TestAgentServer.StartAsync(dataDir: dataDir))
            {
                await server.Client.SendMessageAsync(id, "use the keys", run: true);
                await Wait.ForStatusAsync(server.Client, id, ExecutionStatus.Finished, TimeSpan.FromSeconds(60));
                var text = (await server.Client.AllEventsAsync(id)).OfType<ObservationEvent>().First(o => o.ToolName == "terminal").Observation.Text();
                Assert.StartsWith($"{Mask} 15\n{Mask}\n", text);
            }
        }
        finally
        {
            TempDir.Delete(dataDir);
        }
    }

    [Fact]
    public async Task BadSecrets_Get422WithoutEchoingValues_AndUnknownConversation404()
    {
        await using var server = await TestAgentServer.StartAsync();
        var id = await Workspaces.AddConversationAsync(server, _workspace);

        using var bad = await server.Http.PostAsync($"api/conversations/{id}/secrets", new StringContent(
            """{"secrets": {"A": 5, "B": {"kind": "LookupSecret", "url": "not a url", "headers": {"Authorization": "Bearer hide-me-1234"}}}}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var body = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"A\"", body);
        Assert.Contains("url must be an absolute http(s) URL", body);
        Assert.DoesNotContain("hide-me-1234", body);

        using var missing = await server.Http.PostAsync($"api/conversations/{Guid.NewGuid()}/secrets",
            new StringContent("""{"secrets": {"A": "x"}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var create = Requests.Start(new Uri("http://127.0.0.1:9/v1")) with
        {
            Workspace = new Workspace { WorkingDir = _workspace },
            Secrets = new Dictionary<string, JsonElement> { ["X"] = Json("""{"kind":"Vault","value":"v-secret-999"}""") },
        };
        var refused = await Assert.ThrowsAsync<AgentServerException>(() => server.Client.CreateConversationAsync(create));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("unknown kind", refused.Detail);
        Assert.DoesNotContain("v-secret-999", refused.Detail);
    }
}
