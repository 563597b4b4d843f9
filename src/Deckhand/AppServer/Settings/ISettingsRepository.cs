using Deckhand.Contracts.AppServer;

namespace Deckhand.AppServer.Settings;

/// <summary>A user's settings, stored whole and encrypted (they hold API keys). <c>userId</c> null is the single local user.</summary>
public interface ISettingsRepository
{
    /// <summary>Null when the user never saved settings.</summary>
    Task<UserSettings?> GetAsync(string? userId, CancellationToken cancellationToken = default);

    Task SaveAsync(string? userId, UserSettings settings, CancellationToken cancellationToken = default);
}
