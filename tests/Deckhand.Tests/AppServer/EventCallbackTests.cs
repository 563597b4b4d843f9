using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Deckhand.AppServer.EventCallbacks;
using Deckhand.AppServer.Storage;
using Deckhand.AppServer.Webhooks;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Deckhand.Tests.AppServer;

/// <summary>Event callbacks (V1 spec §4.7) run on events received by webhook: Logging, SetTitle, and the signed outbound webhook.</summary>
public sealed class EventCallbackTests(PostgresServer postgres)
{
    private const string Secret = "whsec-test-4f1c9a";

    private static readonly EventCallbackOptions FastCallbacks = new()
    {
        TitlePollAttempts = 2,
        TitlePollDelay = TimeSpan.FromMilliseconds(20),
        OutboundRetries = 1,
        OutboundRetryDelay = TimeSpan.FromMilliseconds(20),
        OutboundTimeout = TimeSpan.FromMilliseconds(500),
    };

    private static Task<TestAppServer> StartAsync(string? database = null) =>
        TestAppServer.StartAsync(database: database, configureServices: s => s.AddSingleton(FastCallbacks));

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task OutboundWebhook_PostsEachEventSignedWithHmac_AndLoggingRecordsEveryEvent(string backend)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(await TestDatabases.ConnectionAsync(backend, postgres));
        var callbacks = server.App.Services.GetRequiredService<EventCallbackService>();
        var sandbox = await FakeSandbox.RegisterAsync(server);
        var conversation = Guid.NewGuid();
        var processor = Parse($$"""{"kind":"WebhookCallbackProcessor","url":"{{receiver.BaseUrl}}hooks/deckhand","secret":"{{Secret}}"}""");
        var webhook = await callbacks.RegisterAsync(conversation, processor);
        var logging = await callbacks.RegisterAsync(null, Parse("""{"kind":"LoggingCallbackProcessor"}"""), "MessageEvent");

        var message = FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:00.000000", text: "hello");
        var action = FakeSandbox.Event("ActionEvent", "2026-03-01T10:00:01.000000");
        Assert.Equal(HttpStatusCode.OK, (await sandbox.PostEventsAsync(conversation, message, action)).StatusCode);
        await WaitForResultsAsync(callbacks, conversation, 3);

        var posts = receiver.Accepted;
        Assert.Equal(2, posts.Count);
        foreach (var post in posts)
        {
            Assert.Equal("/hooks/deckhand", post.Path);
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(post.Body)));
            Assert.Equal(expected, post.Headers["x-deckhand-signature-256"]);
            Assert.Equal(conversation.ToString("N"), post.Json.GetProperty("conversation_id").GetString());
            Assert.Equal(post.Json.GetProperty("event").GetProperty("kind").GetString(), post.Headers["x-deckhand-event"]);
        }
        Assert.Equal([message["id"]!.GetValue<string>(), action["id"]!.GetValue<string>()],
            posts.Select(p => p.Json.GetProperty("event").GetProperty("id").GetString()));
        // A forged body does not verify against the signature that came with the real one.
        Assert.NotEqual(posts[0].Headers["x-deckhand-signature-256"], OutboundWebhookSign(posts[0].Body.Replace("hello", "HELLO", StringComparison.Ordinal)));

        var results = await callbacks.ResultsAsync(conversation);
        Assert.Equal(2, results.Count(r => r.EventCallbackId == webhook.Id && r.Status == EventCallbackResultStatus.Success && r.Detail == "HTTP 200"));
        var logged = Assert.Single(results, r => r.EventCallbackId == logging.Id);
        Assert.Equal(message["id"]!.GetValue<string>(), logged.EventId);
        Assert.Equal(EventCallbackResultStatus.Success, logged.Status);

        // The secret is sealed at rest.
        await using var connection = await server.App.Services.GetRequiredService<AppDatabase>().OpenAsync();
        await using var read = connection.Command("SELECT processor FROM event_callback;");
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            Assert.DoesNotContain(Secret, reader.GetString(0));
    }

    [Fact]
    public async Task FailingOrHangingOutboundWebhook_RecordsErrors_AndTheWebhookStillAnswers()
    {
        await using var failing = await WebhookReceiver.StartAsync();
        failing.FailNext(int.MaxValue);
        await using var hanging = await WebhookReceiver.StartAsync();
        hanging.HangAll();
        await using var server = await StartAsync();
        var callbacks = server.App.Services.GetRequiredService<EventCallbackService>();
        var sandbox = await FakeSandbox.RegisterAsync(server);
        var conversation = Guid.NewGuid();
        var toFailing = await callbacks.RegisterAsync(conversation, new WebhookCallbackProcessor(failing.BaseUrl + "x", Secret));
        var toHanging = await callbacks.RegisterAsync(conversation, new WebhookCallbackProcessor(hanging.BaseUrl + "y", Secret));

        var response = await sandbox.PostEventsAsync(conversation, FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:00.000000"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", await server.Http.GetStringAsync($"api/v1/events/count?conversation_id__eq={conversation:N}"));
        await WaitForResultsAsync(callbacks, conversation, 2);

        var results = await callbacks.ResultsAsync(conversation);
        var failed = Assert.Single(results, r => r.EventCallbackId == toFailing.Id);
        Assert.Equal(EventCallbackResultStatus.Error, failed.Status);
        Assert.Equal("HTTP 500 (after 2 attempts)", failed.Detail);
        Assert.Equal(2, failing.Posts.Count);
        var hung = Assert.Single(results, r => r.EventCallbackId == toHanging.Id);
        Assert.Equal(EventCallbackResultStatus.Error, hung.Status);
        Assert.StartsWith("no answer within", hung.Detail);
        Assert.All(results, r => Assert.DoesNotContain(Secret, r.Detail ?? ""));
    }

    [Fact]
    public async Task SetTitle_TakesTheTitleTheAgentServerReported_ThenDisablesItself()
    {
        await using var server = await StartAsync();
        var callbacks = server.App.Services.GetRequiredService<EventCallbackService>();
        var metadata = server.App.Services.GetRequiredService<ConversationMetadataUpdates>();
        var sandbox = await FakeSandbox.RegisterAsync(server);
        var conversation = Guid.NewGuid();

        // Info without a title: a placeholder, and a SetTitle callback for the conversation.
        Assert.Equal(HttpStatusCode.OK, (await sandbox.PostAsync("conversations", WebhookReceiveTests.Info(conversation, null, "openai/m"))).StatusCode);
        var setTitle = Assert.Single(await callbacks.ListAsync(conversation));
        Assert.IsType<SetTitleCallbackProcessor>(setTitle.Processor);
        Assert.Equal("MessageEvent", setTitle.EventKind);

        // A message while no title is known (no agent-server to ask): nothing recorded, still active.
        await sandbox.PostEventsAsync(conversation, FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:00.000000"));
        await Wait.UntilAsync(() => Task.FromResult(server.App.Services.GetRequiredService<EventCallbackDispatcher>().Idle), "callbacks idle");
        Assert.Empty(await callbacks.ResultsAsync(conversation));
        Assert.Equal(EventCallbackStatus.Active, Assert.Single(await callbacks.ListAsync(conversation)).Status);

        // The agent-server titles the conversation and posts its info; the next message completes the callback.
        Assert.Equal(HttpStatusCode.OK, (await sandbox.PostAsync("conversations", WebhookReceiveTests.Info(conversation, "Refactor the parser", "openai/m"))).StatusCode);
        Assert.Equal("Refactor the parser", (await metadata.GetAsync(conversation))!.Title);
        var second = FakeSandbox.Event("MessageEvent", "2026-03-01T10:00:05.000000");
        await sandbox.PostEventsAsync(conversation, second);
        await WaitForResultsAsync(callbacks, conversation, 1);
        var result = Assert.Single(await callbacks.ResultsAsync(conversation));
        Assert.Equal(second["id"]!.GetValue<string>(), result.EventId);
        Assert.Equal(EventCallbackStatus.Disabled, Assert.Single(await callbacks.ListAsync(conversation)).Status);
        // Registering again is a no-op.
        Assert.Equal(setTitle.Id, (await callbacks.EnsureSetTitleAsync(conversation)).Id);
    }

    [Fact]
    public void Processors_ParseFromRequestJson_WithClearProblems()
    {
        Assert.IsType<LoggingCallbackProcessor>(Parse("""{"kind":"LoggingCallbackProcessor"}"""));
        Assert.IsType<SetTitleCallbackProcessor>(Parse("""{"kind":"SetTitleCallbackProcessor"}"""));
        var webhook = Assert.IsType<WebhookCallbackProcessor>(Parse("""{"kind":"WebhookCallbackProcessor","url":"https://hooks.example.test/x","secret":"s"}"""));
        Assert.DoesNotContain("\"s\"", webhook.ToString());
        foreach (var (json, problem) in new[]
        {
            ("""{"kind":"GithubV1CallbackProcessor"}""", "Unknown processor kind: GithubV1CallbackProcessor"),
            ("""{"kind":"WebhookCallbackProcessor","url":"ftp://x","secret":"s"}""", "WebhookCallbackProcessor needs a \"url\" (absolute http or https)."),
            ("""{"kind":"WebhookCallbackProcessor","url":"http://x.test/"}""", "WebhookCallbackProcessor needs a \"secret\" to sign its posts with."),
            ("""{"url":"http://x.test/"}""", "A processor must be an object with a \"kind\"."),
        })
        {
            Assert.Null(EventCallbackProcessor.Parse(JsonDocument.Parse(json).RootElement, out var actual));
            Assert.Equal(problem, actual);
        }
    }

    private static EventCallbackProcessor Parse(string json) =>
        EventCallbackProcessor.Parse(JsonDocument.Parse(json).RootElement, out var problem) ?? throw new InvalidOperationException(problem);

    private static string OutboundWebhookSign(string body) => OutboundWebhook.Sign(Secret, Encoding.UTF8.GetBytes(body));

    private static Task WaitForResultsAsync(EventCallbackService callbacks, Guid conversation, int count) =>
        Wait.UntilAsync(async () => (await callbacks.ResultsAsync(conversation)).Count >= count, $"{count} callback result(s)");
}
