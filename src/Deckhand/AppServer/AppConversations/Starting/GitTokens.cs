using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Storage;

namespace Deckhand.AppServer.AppConversations.Starting;

/// <summary>A provider token found for the user, and the secret name the sandbox gets it under.</summary>
public sealed record GitToken(string Provider, string SecretName, GitCredential Credential);

/// <summary>
/// Finds the user's token for a git provider: a custom secret named <c>&lt;PROVIDER&gt;_TOKEN</c> (e.g.
/// <c>GITHUB_TOKEN</c>), else the provider token saved for the user (<c>provider_tokens</c>, sealed by
/// <see cref="SecretCipher"/>).
/// </summary>
public sealed class GitTokens(AppDatabase database, SecretCipher cipher, ISecretRepository secrets)
{
    /// <summary>The git providers OpenHands knows (<c>ProviderType</c> values).</summary>
    public static readonly IReadOnlySet<string> Providers = new HashSet<string>(StringComparer.Ordinal)
        { "github", "gitlab", "bitbucket", "bitbucket_data_center", "azure_devops", "forgejo", "enterprise_sso" };

    public static string SecretName(string provider) => provider.ToUpperInvariant() + "_TOKEN";

    public async Task<GitToken?> FindAsync(string? userId, string provider, CancellationToken cancellationToken = default)
    {
        var name = SecretName(provider);
        var custom = await secrets.GetValuesAsync(userId, cancellationToken);
        if (custom.TryGetValue(name, out var value) && value.Length > 0)
            return new GitToken(provider, name, new GitCredential(Username(provider), value));
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT token FROM provider_tokens WHERE user_id = @u AND provider = @p;")
            .With("@u", userId ?? "").With("@p", provider);
        if (await command.ExecuteScalarAsync(cancellationToken) is not string sealedToken)
            return null;
        try
        {
            var token = cipher.Decrypt(sealedToken);
            return token.Length == 0 ? null : new GitToken(provider, name, new GitCredential(Username(provider), token));
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The user name each provider expects next to a token over HTTPS.</summary>
    private static string Username(string provider) => provider switch
    {
        "github" => "x-access-token",
        "gitlab" => "oauth2",
        "bitbucket" or "bitbucket_data_center" => "x-token-auth",
        _ => "git",
    };
}
