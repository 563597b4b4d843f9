using System.CommandLine;
using Deckhand.AgentServer;
using Deckhand.AgentServer.Webhooks;
using Deckhand.Engine.Isolation;

namespace Deckhand.Cli;

/// <summary><c>deckhand agent-server</c>: serve the OpenHands-compatible agent-server API.</summary>
public static class AgentServerCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on. Beyond loopback a session API key is required.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8000 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where conversations are stored (default: DECKHAND_DATA_DIR or ~/.local/share/deckhand)." };
        var keys = new Option<string[]>("--session-api-key")
        {
            Description = "Accept this X-Session-API-Key (repeatable). Also read from SESSION_API_KEY and OH_SESSION_API_KEYS_0, _1, ...",
            AllowMultipleArgumentsPerToken = false,
        };
        var isolation = new Option<string>("--isolation")
        {
            Description = "How the agent's shell is isolated: bubblewrap (read-only system, writable workspace), none, or auto (bubblewrap when installed).",
            DefaultValueFactory = _ => "auto",
        };
        isolation.AcceptOnlyFromAmong("auto", "bubblewrap", "none");
        var noNetwork = new Option<bool>("--no-network") { Description = "The agent's shell gets no network (bubblewrap isolation)." };
        var shellMemory = new Option<int?>("--shell-memory-mb") { Description = "Address-space limit per shell process, in MiB (bubblewrap isolation)." };
        var shellProcesses = new Option<int?>("--shell-max-processes") { Description = "Most processes the agent's shell may run at once (bubblewrap isolation)." };
        var noLlmTitles = new Option<bool>("--no-llm-titles") { Description = "Title conversations from the first message instead of asking the model (saves one call per conversation)." };
        var webhooks = new Option<string[]>("--webhook")
        {
            Description = "Post conversation events and updates to this base URL (repeatable; OpenHands webhook defaults). "
                + "Also read from OH_WEBHOOKS_0_BASE_URL, _HEADERS_<NAME>, _FLUSH_DELAY, ...",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("agent-server", "Serve the OpenHands-compatible agent-server API (REST + WebSocket).")
        {
            host, port, dataDir, keys, isolation, noNetwork, shellMemory, shellProcesses, noLlmTitles, webhooks,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var fromEnvironment = WebhookConfig.FromEnvironment();
            var flagged = (parse.GetValue(webhooks) ?? []).Select(url => new WebhookSpec { BaseUrl = url }).ToList();
            var webhookProblems = fromEnvironment.Problems.Concat(flagged.SelectMany(w => w.Problems().Select(p => "--webhook: " + p))).ToList();
            if (webhookProblems.Count > 0)
            {
                await Console.Error.WriteLineAsync("error: webhooks: " + string.Join("; ", webhookProblems));
                return ExitCodes.BadUsage;
            }
            var options = new AgentServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                DataDir = DataDirectory.Prepare(parse.GetValue(dataDir) ?? DataDirectory.Default()),
                SessionApiKeys = [.. parse.GetValue(keys) ?? [], .. AgentServerOptions.KeysFromEnvironment()],
                Isolation = new IsolationOptions
                {
                    Mode = Enum.Parse<IsolationMode>(parse.GetValue(isolation)!, ignoreCase: true),
                    Network = !parse.GetValue(noNetwork),
                    MemoryLimitMb = parse.GetValue(shellMemory),
                    MaxProcesses = parse.GetValue(shellProcesses),
                },
                LlmTitles = !parse.GetValue(noLlmTitles),
                Webhooks = [.. fromEnvironment.Webhooks, .. flagged],
            };
            if (options.Port is < 0 or > 65535)
            {
                await Console.Error.WriteLineAsync("error: --port must be between 0 and 65535");
                return ExitCodes.BadUsage;
            }
            if (options.Isolation is { MemoryLimitMb: <= 0 } or { MaxProcesses: <= 0 })
            {
                await Console.Error.WriteLineAsync("error: --shell-memory-mb and --shell-max-processes must be positive");
                return ExitCodes.BadUsage;
            }
            if (options.Isolation.Mode == IsolationMode.None && (!options.Isolation.Network || options.Isolation is { MemoryLimitMb: not null } or { MaxProcesses: not null }))
            {
                await Console.Error.WriteLineAsync("error: --no-network, --shell-memory-mb and --shell-max-processes need isolation; they do nothing with --isolation none");
                return ExitCodes.BadUsage;
            }
            WebApplication app;
            try
            {
                app = AgentServerApp.Build(options);
            }
            catch (InvalidOperationException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ExitCodes.BadUsage;
            }
            await using (app)
            {
                await AgentServerApp.StartAsync(app, cancellationToken);
                var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                    .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? $"http://{options.Host}:{options.Port}";
                Console.WriteLine($"deckhand agent-server listening on {address} (data: {options.DataDir}, auth: {(options.AuthEnabled ? "session key" : "none, loopback only")})");
                await app.WaitForShutdownAsync(cancellationToken);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
