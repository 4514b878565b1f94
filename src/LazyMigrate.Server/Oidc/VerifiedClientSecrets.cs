using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Remembers, for a short time and in this process only, that a presented client secret matched a stored secret hash,
/// so a machine client asking for tokens in a loop pays OpenIddict's PBKDF2 verification once a minute rather than on
/// every request. An entry is keyed by HMAC-SHA256 under a random key of this process over the stored hash and the
/// presented secret: nothing in memory can be turned back into the secret or checked offline without the key, nothing
/// is written anywhere, and a changed secret (a new stored hash, from the console, the API or configuration) never
/// finds the old entry. Only successes are remembered; a wrong secret always pays the full verification.
/// </summary>
public sealed class VerifiedClientSecrets : IDisposable
{
    /// <summary>How long a verified secret is taken on trust; a secret changed meanwhile is never matched (see above).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private const int MaximumEntries = 10_000;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly MemoryCache _verified = new(new MemoryCacheOptions { SizeLimit = MaximumEntries });

    public bool IsKnown(string secret, string storedHash) => _verified.TryGetValue(Key(secret, storedHash), out _);

    public void Remember(string secret, string storedHash) =>
        _verified.Set(Key(secret, storedHash), true, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Lifetime, Size = 1 });

    public void Dispose() => _verified.Dispose();

    private string Key(string secret, string storedHash)
    {
        // Length-prefixed, so no pair of (hash, secret) runs into another's bytes.
        var hash = Encoding.UTF8.GetBytes(storedHash);
        var presented = Encoding.UTF8.GetBytes(secret);
        var input = new byte[8 + hash.Length + presented.Length];
        BitConverter.TryWriteBytes(input.AsSpan(0, 4), hash.Length);
        hash.CopyTo(input, 4);
        BitConverter.TryWriteBytes(input.AsSpan(4 + hash.Length, 4), presented.Length);
        presented.CopyTo(input, 8 + hash.Length);
        var key = Convert.ToBase64String(HMACSHA256.HashData(_key, input));
        CryptographicOperations.ZeroMemory(input);
        CryptographicOperations.ZeroMemory(presented);
        return key;
    }
}
