using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;

namespace Deckhand.AppServer.Health;

/// <summary><c>/alive</c> and <c>/health</c> (no authentication, as in OpenHands).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health");
        group.MapGet("/alive", () => TypedResults.Json(new StatusResponse("ok"), DeckhandJson.Compact.StatusResponse));
        // OpenHands answers a bare JSON string here.
        group.MapGet("/health", () => TypedResults.Json("OK", DeckhandJson.Wire.String));
        return app;
    }
}
