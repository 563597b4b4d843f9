using System.CommandLine;
using Deckhand.AppServer;
using Deckhand.AppServer.Sandboxes.Processes;
using Deckhand.AppServer.Secrets;

namespace Deckhand.Cli;

/// <summary><c>deckhand serve</c>: the app server (V1 API: sandboxes, settings, secrets), Deckhand's front door.</summary>
public static class ServeCommand
{
    public const string DatabaseVariable = "DECKHAND_DATABASE";
    public const string ApiKeyVariable = "DECKHAND_API_KEY";

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
        var isolation = new Option<string>("--sandbox-isolation")
        {
            Description = "How each sandbox's agent shell is isolated: auto (bubblewrap when installed), bubblewrap, or none.",
            DefaultValueFactory = _ => "auto",
        };
        isolation.AcceptOnlyFromAmong("auto", "bubblewrap", "none");
        var command = new Command("serve", "Serve the OpenHands-compatible app server: sandboxes (one agent-server each), settings and secrets.")
        {
            host, port, dataDir, database, apiKey, maxSandboxes, isolation,
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
                DeckhandCommand = NonEmpty(Environment.GetEnvironmentVariable(AgentServerLauncher.EnvironmentVariable)) is { } exe ? [exe] : null,
                SandboxAgentServerArgs = ["--isolation", parse.GetValue(isolation)!],
                FeedbackUrl = NonEmpty(Environment.GetEnvironmentVariable("DECKHAND_FEEDBACK_URL")),
            };
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

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
