using Deckhand.AppServer.Settings;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;

namespace Deckhand.AppServer.Users;

/// <summary><c>GET /api/v1/users/me</c>: the caller's settings plus <c>id</c>, secrets masked (V1 spec §4.10).</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/users").WithTags("Users");
        group.MapGet("/me", MeAsync).Produces<UserSettings>();
        return app;
    }

    private static async Task<IResult> MeAsync(ISettingsRepository settings, CurrentUser user, CancellationToken cancellationToken)
    {
        // A user who never saved settings still exists: defaults, as OpenHands answers.
        var stored = await settings.GetAsync(user.Id, cancellationToken) ?? new UserSettings();
        return TypedResults.Json(SettingsJson.UserInfo(stored, user.Id), DeckhandJson.Wire.JsonObject);
    }
}
