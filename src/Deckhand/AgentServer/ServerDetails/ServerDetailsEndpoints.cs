using System.Reflection;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;
using Deckhand.Engine.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Deckhand.AgentServer.ServerDetails;

/// <summary>Liveness, readiness and <c>/server_info</c>; no authentication, as in OpenHands.</summary>
public static class ServerDetailsEndpoints
{
    public static IEndpointRouteBuilder MapServerDetails(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Server details");
        group.MapGet("/alive", Ok);
        group.MapGet("/health", Ok);
        group.MapGet("/ready", Ready);
        group.MapGet("/server_info", Info);
        group.MapGet("/", Info).ExcludeFromDescription();
        return app;
    }

    private static JsonHttpResult<StatusResponse> Ok() => TypedResults.Json(new StatusResponse("ok"), DeckhandJson.Compact.StatusResponse);

    private static JsonHttpResult<StatusResponse> Ready(ServerState state) => state.Ready
        ? TypedResults.Json(new StatusResponse("ready"), DeckhandJson.Compact.StatusResponse)
        : TypedResults.Json(new StatusResponse("initializing", "Server is still initializing"), DeckhandJson.Compact.StatusResponse,
            statusCode: StatusCodes.Status503ServiceUnavailable);

    private static JsonHttpResult<ServerInfo> Info(ServerState state, ConversationService conversations, EngineOptions engine, TimeProvider time)
    {
        var version = Version;
        return TypedResults.Json(new ServerInfo
        {
            Uptime = (long)(time.GetUtcNow() - state.StartedAt).TotalSeconds,
            IdleTime = (long)(time.GetUtcNow() - state.LastActivity).TotalSeconds,
            Version = version,
            SdkVersion = version,
            ToolsVersion = version,
            WorkspaceVersion = version,
            BuildGitSha = Environment.GetEnvironmentVariable("DECKHAND_BUILD_GIT_SHA") ?? "unknown",
            BuildGitRef = Environment.GetEnvironmentVariable("DECKHAND_BUILD_GIT_REF") ?? "unknown",
            UsableTools = conversations.Tools.UsableNames,
            Storage = conversations.Store.Kind,
            Isolation = engine.Isolation.Name,
        }, DeckhandJson.Wire.ServerInfo);
    }

    private static string Version { get; } =
        typeof(ServerDetailsEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}

/// <summary>Process-wide facts for the details routes: start time, readiness, last activity.</summary>
public sealed class ServerState(TimeProvider time)
{
    private long _lastActivityTicks = time.GetUtcNow().UtcTicks;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public bool Ready { get; set; }

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, time.GetUtcNow().UtcTicks);
}
