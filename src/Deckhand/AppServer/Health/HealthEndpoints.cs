using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;

namespace Deckhand.AppServer.Health;

/// <summary><c>/alive</c>, <c>/health</c> and <c>/server_info</c> (no authentication, as in OpenHands).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health");
        group.MapGet("/alive", () => TypedResults.Json(new StatusResponse("ok"), DeckhandJson.Compact.StatusResponse));
        // OpenHands answers a bare JSON string here.
        group.MapGet("/health", () => TypedResults.Json("OK", DeckhandJson.Wire.String));
        group.MapGet("/server_info", (ServerActivity activity) => TypedResults.Json(activity.Snapshot(), DeckhandJson.Wire.AppServerInfo))
            .Produces<Contracts.AppServer.AppServerInfo>();
        return app;
    }
}
