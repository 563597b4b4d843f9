namespace Deckhand.AppServer.Users;

/// <summary>
/// Who is calling, for row scoping (OpenHands filters every table by <c>user_id</c> when it is not null). Self-hosted
/// Deckhand has a single user whose id is null, as in OpenHands' open-source mode; a multi-user auth layer would
/// register one per request instead.
/// </summary>
public sealed record CurrentUser(string? Id)
{
    public static CurrentUser Local { get; } = new((string?)null);
}
