using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// scrypt (RFC 7914) over .NET's PBKDF2-HMAC-SHA256. .NET ships no scrypt and no maintained package restores here;
/// the function is small and its RFC test vectors are in the tests.
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

    public static byte[] DeriveKey(byte[] password, byte[] salt, long n, int r, int p, int length)
    {
        if (n < 2 || !BitOperations.IsPow2(n) || r < 1 || p < 1 || (long)r * p >= 1 << 30)
        {
            throw new LegacyHashFormatException("scrypt parameters are invalid");
        }

        // n alone first: 128·N·r would overflow for a hostile N.
        if (n > MaxMemoryBytes / 128 || 128L * n * r > MaxMemoryBytes || 128L * r * p > MaxMemoryBytes)
        {
            throw new LegacyHashFormatException("scrypt parameters ask for more memory than allowed");
        }

        if (p > MaxParallelism || n * r * p > MaxWork)
        {
            throw new LegacyHashFormatException($"scrypt parameters ask for more work than allowed (p at most {MaxParallelism}, N·r·p at most {MaxWork})");
        }

        var blockSize = 128 * r;
        var b = Rfc2898DeriveBytes.Pbkdf2(password, salt, 1, HashAlgorithmName.SHA256, p * blockSize);
        var x = new uint[32 * r];
        var v = new uint[32 * r * n];
        var scratch = new uint[32 * r];
        for (var i = 0; i < p; i++)
        {
            var block = b.AsSpan(i * blockSize, blockSize);
            for (var k = 0; k < x.Length; k++)
            {
                x[k] = BinaryPrimitives.ReadUInt32LittleEndian(block[(k * 4)..]);
            }

            RoMix(x, v, scratch, n, r);
            for (var k = 0; k < x.Length; k++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(block[(k * 4)..], x[k]);
            }
        }

        return Rfc2898DeriveBytes.Pbkdf2(password, b, 1, HashAlgorithmName.SHA256, length);
    }

    private static void RoMix(uint[] x, uint[] v, uint[] scratch, long n, int r)
    {
        var words = 32 * r;
        for (long i = 0; i < n; i++)
        {
            Array.Copy(x, 0, v, i * words, words);
            BlockMix(x, scratch, r);
        }

        for (long i = 0; i < n; i++)
        {
            var j = (long)(x[(2 * r - 1) * 16] & (uint)(n - 1));
            for (var k = 0; k < words; k++)
            {
                x[k] ^= v[j * words + k];
            }

            BlockMix(x, scratch, r);
        }
    }

    private static void BlockMix(uint[] b, uint[] y, int r)
    {
        Span<uint> t = stackalloc uint[16];
        b.AsSpan((2 * r - 1) * 16, 16).CopyTo(t);
        for (var i = 0; i < 2 * r; i++)
        {
            for (var k = 0; k < 16; k++)
            {
                t[k] ^= b[i * 16 + k];
            }

            Salsa208(t);
            // Even blocks go to the first half, odd blocks to the second (RFC 7914 §4).
            var target = (i % 2 == 0 ? i / 2 : r + i / 2) * 16;
            t.CopyTo(y.AsSpan(target, 16));
        }

        y.AsSpan(0, 32 * r).CopyTo(b);
    }

    private static void Salsa208(Span<uint> b)
    {
        Span<uint> x = stackalloc uint[16];
        b.CopyTo(x);
        for (var i = 0; i < 8; i += 2)
        {
            x[4] ^= BitOperations.RotateLeft(x[0] + x[12], 7); x[8] ^= BitOperations.RotateLeft(x[4] + x[0], 9);
            x[12] ^= BitOperations.RotateLeft(x[8] + x[4], 13); x[0] ^= BitOperations.RotateLeft(x[12] + x[8], 18);
            x[9] ^= BitOperations.RotateLeft(x[5] + x[1], 7); x[13] ^= BitOperations.RotateLeft(x[9] + x[5], 9);
            x[1] ^= BitOperations.RotateLeft(x[13] + x[9], 13); x[5] ^= BitOperations.RotateLeft(x[1] + x[13], 18);
            x[14] ^= BitOperations.RotateLeft(x[10] + x[6], 7); x[2] ^= BitOperations.RotateLeft(x[14] + x[10], 9);
            x[6] ^= BitOperations.RotateLeft(x[2] + x[14], 13); x[10] ^= BitOperations.RotateLeft(x[6] + x[2], 18);
            x[3] ^= BitOperations.RotateLeft(x[15] + x[11], 7); x[7] ^= BitOperations.RotateLeft(x[3] + x[15], 9);
            x[11] ^= BitOperations.RotateLeft(x[7] + x[3], 13); x[15] ^= BitOperations.RotateLeft(x[11] + x[7], 18);
            x[1] ^= BitOperations.RotateLeft(x[0] + x[3], 7); x[2] ^= BitOperations.RotateLeft(x[1] + x[0], 9);
            x[3] ^= BitOperations.RotateLeft(x[2] + x[1], 13); x[0] ^= BitOperations.RotateLeft(x[3] + x[2], 18);
            x[6] ^= BitOperations.RotateLeft(x[5] + x[4], 7); x[7] ^= BitOperations.RotateLeft(x[6] + x[5], 9);
            x[4] ^= BitOperations.RotateLeft(x[7] + x[6], 13); x[5] ^= BitOperations.RotateLeft(x[4] + x[7], 18);
            x[11] ^= BitOperations.RotateLeft(x[10] + x[9], 7); x[8] ^= BitOperations.RotateLeft(x[11] + x[10], 9);
            x[9] ^= BitOperations.RotateLeft(x[8] + x[11], 13); x[10] ^= BitOperations.RotateLeft(x[9] + x[8], 18);
            x[12] ^= BitOperations.RotateLeft(x[15] + x[14], 7); x[13] ^= BitOperations.RotateLeft(x[12] + x[15], 9);
            x[14] ^= BitOperations.RotateLeft(x[13] + x[12], 13); x[15] ^= BitOperations.RotateLeft(x[14] + x[13], 18);
        }

        for (var i = 0; i < 16; i++)
        {
            b[i] += x[i];
        }
    }
}
