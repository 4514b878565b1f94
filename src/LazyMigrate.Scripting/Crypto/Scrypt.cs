using System.Numerics;
using System.Security.Cryptography;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// scrypt (RFC 7914, BouncyCastle's implementation) behind LazyMigrate's work caps, and Firebase's modified scrypt
/// (the scrypt key AES-256-CTR-encrypts the project's signer key; github.com/firebase/scrypt).
/// </summary>
internal static class Scrypt
{
    /// <summary>128·N·r bytes of working memory; legacy hashes never need more, and a hostile hash must not ask for GBs.</summary>
    public const long MaxMemoryBytes = 256L * 1024 * 1024;

    /// <summary>
    /// p runs the whole memory-hard mix p times over: ln=14,r=8,p=200 is half a minute of CPU inside a 16 MiB memory
    /// cap. Real hashes use p=1 (Firebase, passlib, Django) and rarely more than a handful.
    /// </summary>
    public const int MaxParallelism = 16;

    /// <summary>N·r·p bounds the work: twice the largest hash the memory cap allows at p=1 (N·r = 2^21).</summary>
    public const long MaxWork = 1L << 22;

    /// <summary>Firebase's own limits (its Admin SDK refuses others): rounds (r) 1..8, mem_cost (log2 N) 1..14.</summary>
    public const int MaxFirebaseRounds = 8;

    public const int MaxFirebaseMemCost = 14;

    /// <summary>Refuses parameters that are invalid or over a cap, with the reason.</summary>
    public static void CheckParameters(long n, long r, long p)
    {
        if (n < 2 || !BitOperations.IsPow2(n) || r < 1 || p < 1 || r * p >= 1 << 30)
        {
            throw new LegacyHashFormatException("scrypt parameters are invalid (N a power of two above 1, r and p at least 1)");
        }

        // n alone first: 128·N·r would overflow for a hostile N.
        if (n > MaxMemoryBytes / 128 || r > MaxMemoryBytes / 128 || 128L * n * r > MaxMemoryBytes || 128L * r * p > MaxMemoryBytes)
        {
            throw new LegacyHashFormatException($"scrypt parameters ask for more memory than allowed ({MaxMemoryBytes / (1024 * 1024)} MiB)");
        }

        if (p > MaxParallelism || n * r * p > MaxWork)
        {
            throw new LegacyHashFormatException($"scrypt parameters ask for more work than allowed (p at most {MaxParallelism}, N·r·p at most {MaxWork})");
        }
    }

    public static byte[] DeriveKey(byte[] password, byte[] salt, long n, int r, int p, int length)
    {
        CheckParameters(n, r, p);
        return Org.BouncyCastle.Crypto.Generators.SCrypt.Generate(password, salt, (int)n, r, p, length);
    }

    /// <summary>
    /// Firebase's hash: key = scrypt(password, salt ‖ salt separator, N = 2^memCost, r = rounds, p = 1, 32 bytes);
    /// hash = AES-256-CTR(key, IV 0) applied to the signer key.
    /// </summary>
    public static byte[] Firebase(byte[] password, byte[] saltAndSeparator, int memCost, int rounds, ReadOnlySpan<byte> signerKey)
    {
        var key = DeriveKey(password, saltAndSeparator, 1L << memCost, rounds, 1, 32);
        try
        {
            using var aes = Aes.Create();
            aes.Key = key;

            // CTR: the keystream is AES-ECB of the counter blocks 0, 1, 2, ... (a 128-bit big-endian counter from IV 0).
            var blocks = (signerKey.Length + 15) / 16;
            var counters = new byte[blocks * 16];
            for (var i = 0; i < blocks; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan((i * 16) + 8), (ulong)i);
            }

            var stream = aes.EncryptEcb(counters, PaddingMode.None);
            var result = new byte[signerKey.Length];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = (byte)(signerKey[i] ^ stream[i]);
            }

            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
