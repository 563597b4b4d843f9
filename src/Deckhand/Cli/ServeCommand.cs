using System.CommandLine;
using Deckhand.AppServer;
using Deckhand.AppServer.Sandboxes.Processes;
using Deckhand.AppServer.Secrets;
using Web = Deckhand.AppServer.Web;

namespace Deckhand.Cli;

/// <summary><c>deckhand serve</c>: the app server (V1 API: sandboxes, settings, secrets), Deckhand's front door.</summary>
public static class ServeCommand
{
    public const string DatabaseVariable = "DECKHAND_DATABASE";
    public const string ApiKeyVariable = "DECKHAND_API_KEY";
    public const string WebhookBaseUrlVariable = "DECKHAND_WEBHOOK_BASE_URL";

    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on. Beyond loopback an API key is required.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 3000 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the app database, secret key and sandboxes live (default: DECKHAND_DATA_DIR or ~/.local/share/deckhand)." };
        var database = new Option<string?>("--database")
        {
            Description = $"PostgreSQL connection string (Npgsql keywords or postgres://user:pass@host:port/db); also read from {DatabaseVariable}. Default: SQLite in the data directory.",
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = $"Require this key (X-Session-API-Key or Authorization: Bearer) on /api. Prefer {ApiKeyVariable}: arguments are visible to other local users.",
        };
        var maxSandboxes = new Option<int>("--max-sandboxes") { Description = "Sandboxes running at once; starting another pauses the oldest.", DefaultValueFactory = _ => 5 };
        var maxConversations = new Option<int>("--max-concurrent-conversations")
        {
            Description = "V0 conversations running at once per user; starting another stops the least recently updated one.",
            DefaultValueFactory = _ => 3,
        };
        var closeDelay = new Option<int>("--conversation-close-delay")
        {
            Description = "Seconds a V0 conversation may sit idle (agent not running, no socket connected) before it is stopped.",
            DefaultValueFactory = _ => 3600,
        };
        var isolation = new Option<string>("--sandbox-isolation")
        {
            Description = "How each sandbox's agent shell is isolated: auto (bubblewrap when installed), bubblewrap, or none.",
            DefaultValueFactory = _ => "auto",
        };
        isolation.AcceptOnlyFromAmong("auto", "bubblewrap", "none");
        var webRoot = new Option<string?>("--web-root")
        {
            Description = "Serve a built single-page web app (a directory with index.html, e.g. the OpenHands web app's build/) at / on the API's origin.",
        };
        var corsOrigins = new Option<string[]>("--cors-origin")
        {
            Description = $"A browser origin allowed to call the API cross-origin (repeatable; also {Web.CorsOrigins.EnvironmentVariable}, comma-separated). localhost and 127.0.0.1 origins are always allowed.",
            AllowMultipleArgumentsPerToken = false,
        };
        var githubApi = new Option<string?>("--github-api-url") { Description = "GitHub's REST API base URL (default https://api.github.com), for provider tokens and /api/user." };
        var gitlabApi = new Option<string?>("--gitlab-api-url") { Description = "GitLab's REST API base URL (default https://gitlab.com/api/v4), for validating provider tokens." };
        var webhookBaseUrl = new Option<string?>("--webhook-base-url")
        {
            Description = "The app server's URL as sandboxes reach it, for their webhooks (e.g. behind a proxy or in a container); "
                + $"also read from {WebhookBaseUrlVariable}. Default: the address it listens on.",
        };
        var command = new Command("serve", "Serve the OpenHands-compatible app server: sandboxes (one agent-server each), settings and secrets.")
        {
            host, port, dataDir, database, apiKey, maxSandboxes, maxConversations, closeDelay, isolation, webRoot, corsOrigins, githubApi, gitlabApi, webhookBaseUrl,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dir = DataDirectory.Prepare(parse.GetValue(dataDir) ?? DataDirectory.Default());
            var options = new AppServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                DataDir = dir,
                Database = parse.GetValue(database) ?? NonEmpty(Environment.GetEnvironmentVariable(DatabaseVariable)),
                ApiKey = parse.GetValue(apiKey) ?? NonEmpty(Environment.GetEnvironmentVariable(ApiKeyVariable)),
                SecretKey = NonEmpty(Environment.GetEnvironmentVariable(SecretCipher.EnvironmentVariable)),
                MaxSandboxes = parse.GetValue(maxSandboxes),
                MaxConcurrentConversations = parse.GetValue(maxConversations),
                ConversationCloseDelay = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(closeDelay))),
                AllowSetConversationId = Environment.GetEnvironmentVariable("ALLOW_SET_CONVERSATION_ID") == "1",
                DeckhandCommand = NonEmpty(Environment.GetEnvironmentVariable(AgentServerLauncher.EnvironmentVariable)) is { } exe ? [exe] : null,
                SandboxAgentServerArgs = ["--isolation", parse.GetValue(isolation)!],
                WebRoot = parse.GetValue(webRoot),
                CorsOrigins = [.. parse.GetValue(corsOrigins) ?? [], .. Web.CorsOrigins.Parse(Environment.GetEnvironmentVariable(Web.CorsOrigins.EnvironmentVariable))],
                WebhookBaseUrl = parse.GetValue(webhookBaseUrl) ?? NonEmpty(Environment.GetEnvironmentVariable(WebhookBaseUrlVariable)),
                FeedbackUrl = NonEmpty(Environment.GetEnvironmentVariable("DECKHAND_FEEDBACK_URL")),
            };
            options = options with { GitProviderApiUrls = ApiUrls(options.GitProviderApiUrls, parse.GetValue(githubApi), parse.GetValue(gitlabApi)) };
            if (options.Port is < 0 or > 65535)
            {
                await Console.Error.WriteLineAsync("error: --port must be between 0 and 65535");
                return ExitCodes.BadUsage;
            }
            WebApplication app;
            try
            {
                app = AppServerApp.Build(options);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or PlatformNotSupportedException)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.BadUsage;
            }
            await using (app)
            {
                try
                {
                    await AppServerApp.StartAsync(app, cancellationToken);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or System.Net.Sockets.SocketException)
                {
                    await Console.Error.WriteLineAsync("error: the app server could not start: " + ex.Message);
                    return ExitCodes.Error;
                }
                var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                    .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? $"http://{options.Host}:{options.Port}";
                var storage = app.Services.GetRequiredService<AppServer.Storage.AppDatabase>().Description;
                Console.WriteLine($"deckhand serve listening on {address} (data: {options.DataDir}, database: {storage}, auth: {(options.ApiKey is null ? "none, loopback only" : "API key")})");
                Console.WriteLine($"API reference: {address.TrimEnd('/')}/docs");
                await app.WaitForShutdownAsync(cancellationToken);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Dictionary<string, string> ApiUrls(IReadOnlyDictionary<string, string> defaults, string? github, string? gitlab)
    {
        var urls = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
        if (NonEmpty(github) is { } g)
            urls["github"] = g;
        if (NonEmpty(gitlab) is { } l)
            urls["gitlab"] = l;
        return urls;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
