using System.Security.Cryptography;
using System.Text;

namespace Deckhand.AppServer.Secrets;

/// <summary>
/// Encrypts what the app server keeps at rest (custom secrets, settings with their API keys, sandbox session keys):
/// AES-256-GCM with a fresh nonce per value. The key comes from <c>DECKHAND_SECRET_KEY</c> (any string; replicas
/// sharing a database need the same one) or from a generated owner-only key file in the data directory.
/// </summary>
public sealed class SecretCipher
{
    public const string EnvironmentVariable = "DECKHAND_SECRET_KEY";
    public const string KeyFileName = "secret.key";
    private const string Prefix = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Purpose = Encoding.UTF8.GetBytes("deckhand app-server secrets v1");

    private readonly byte[] _key;

    private SecretCipher(byte[] key) => _key = key;

    /// <summary>From the configured key, else the key file in <paramref name="dataDir"/> (created, mode 0600, on first use).</summary>
    public static SecretCipher Load(string dataDir, string? configuredKey)
    {
        if (!string.IsNullOrEmpty(configuredKey))
            return FromPassphrase(configuredKey);
        var path = Path.Combine(dataDir, KeyFileName);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataDir);
            var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using var stream = new FileStream(path, options);
                stream.Write(Encoding.ASCII.GetBytes(fresh + "\n"));
                stream.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }
        var text = File.ReadAllText(path).Trim();
        if (text.Length == 0)
            throw new InvalidOperationException($"The secret key file {path} is empty; restore it or remove it (stored secrets then become unreadable).");
        return FromPassphrase(text);
    }

    public static SecretCipher FromPassphrase(string passphrase) =>
        new(HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(passphrase), 32, info: Purpose));

    public string Encrypt(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), Purpose);
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> when the value was sealed with another key or altered.</summary>
    public string Decrypt(string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
            throw new InvalidOperationException("A stored secret is not in a format this Deckhand build knows.");
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException("A stored secret is damaged.", ex);
        }
        if (sealedBytes.Length < NonceSize + TagSize)
            throw new InvalidOperationException("A stored secret is damaged.");
        var length = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plain, Purpose);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"A stored secret cannot be decrypted: the secret key changed ({EnvironmentVariable} or {KeyFileName} in the data directory).", ex);
        }
        return Encoding.UTF8.GetString(plain);
    }
}
