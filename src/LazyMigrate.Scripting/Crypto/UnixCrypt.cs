using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// crypt(3)'s MD5-crypt (<c>$1$</c>, Poul-Henning Kamp's) and SHA-crypt (<c>$5$</c>, <c>$6$</c>, Ulrich Drepper's
/// specification, with <c>rounds=</c>). No maintained .NET package implements them; they are short, fixed algorithms
/// checked in the tests against <c>openssl passwd</c> and passlib.
/// </summary>
internal static class UnixCrypt
{
    public const int ShaCryptDefaultRounds = 5000;
    public const int ShaCryptMinRounds = 1000;
    public const int MaxSaltLength = 16;

    private static readonly (int, int, int)[] Sha256Order =
        [(0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14), (15, 25, 5), (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29)];

    private static readonly (int, int, int)[] Sha512Order =
    [
        (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48), (28, 49, 7), (50, 8, 29),
        (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13), (56, 14, 35), (15, 36, 57), (37, 58, 16),
        (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41),
    ];

    private static readonly (int, int, int)[] Md5Order = [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)];

    /// <summary>The encoded digest part (after the last '$') MD5-crypt computes for <paramref name="password"/>.</summary>
    public static string Md5Crypt(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt)
    {
        var md5 = LegacyDigests.Bouncy(DigestKind.Md5);
        Span<byte> alternate = stackalloc byte[16];
        md5.BlockUpdate(password);
        md5.BlockUpdate(salt);
        md5.BlockUpdate(password);
        md5.DoFinal(alternate);

        md5.BlockUpdate(password);
        md5.BlockUpdate("$1$"u8);
        md5.BlockUpdate(salt);
        for (var left = password.Length; left > 0; left -= 16)
        {
            md5.BlockUpdate(alternate[..Math.Min(16, left)]);
        }

        ReadOnlySpan<byte> zero = [0];
        for (var i = password.Length; i != 0; i >>= 1)
        {
            md5.BlockUpdate((i & 1) != 0 ? zero : password[..1]);
        }

        Span<byte> final = stackalloc byte[16];
        md5.DoFinal(final);
        for (var i = 0; i < 1000; i++)
        {
            md5.BlockUpdate((i & 1) != 0 ? password : final);
            if (i % 3 != 0)
            {
                md5.BlockUpdate(salt);
            }

            if (i % 7 != 0)
            {
                md5.BlockUpdate(password);
            }

            md5.BlockUpdate((i & 1) != 0 ? final : password);
            md5.DoFinal(final);
        }

        var output = new StringBuilder(22);
        foreach (var (a, b, c) in Md5Order)
        {
            LegacyEncodings.Crypt64(output, final[a], final[b], final[c], 4);
        }

        LegacyEncodings.Crypt64(output, 0, 0, final[11], 2);
        CryptographicOperations.ZeroMemory(final);
        return output.ToString();
    }

    /// <summary>The encoded digest part SHA-crypt computes (<paramref name="sha512"/>: <c>$6$</c>, else <c>$5$</c>).</summary>
    public static string ShaCrypt(bool sha512, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int rounds)
    {
        var digest = LegacyDigests.Bouncy(sha512 ? DigestKind.Sha512 : DigestKind.Sha256);
        var size = sha512 ? 64 : 32;

        // B = H(P S P); A = H(P S, B for each byte of P, then B or P for each bit of |P|).
        Span<byte> b = stackalloc byte[size];
        digest.BlockUpdate(password);
        digest.BlockUpdate(salt);
        digest.BlockUpdate(password);
        digest.DoFinal(b);

        Span<byte> c = stackalloc byte[size];
        digest.BlockUpdate(password);
        digest.BlockUpdate(salt);
        for (var left = password.Length; left > 0; left -= size)
        {
            digest.BlockUpdate(b[..Math.Min(size, left)]);
        }

        for (var i = password.Length; i > 0; i >>= 1)
        {
            digest.BlockUpdate((i & 1) != 0 ? b : password);
        }

        digest.DoFinal(c);

        // P' = H(P repeated |P| times) stretched to |P|; S' = H(S repeated 16 + A[0] times) stretched to |S|.
        var p = Stretch(digest, size, password, password.Length, password.Length);
        var s = Stretch(digest, size, salt, 16 + c[0], salt.Length);
        for (var i = 0; i < rounds; i++)
        {
            digest.BlockUpdate((i & 1) != 0 ? p : c);
            if (i % 3 != 0)
            {
                digest.BlockUpdate(s);
            }

            if (i % 7 != 0)
            {
                digest.BlockUpdate(p);
            }

            digest.BlockUpdate((i & 1) != 0 ? c : p);
            digest.DoFinal(c);
        }

        CryptographicOperations.ZeroMemory(p);
        var output = new StringBuilder(sha512 ? 86 : 43);
        foreach (var (x, y, z) in sha512 ? Sha512Order : Sha256Order)
        {
            LegacyEncodings.Crypt64(output, c[x], c[y], c[z], 4);
        }

        if (sha512)
        {
            LegacyEncodings.Crypt64(output, 0, 0, c[63], 2);
        }
        else
        {
            LegacyEncodings.Crypt64(output, 0, c[31], c[30], 3);
        }

        CryptographicOperations.ZeroMemory(c);
        return output.ToString();
    }

    private static byte[] Stretch(IDigest digest, int size, ReadOnlySpan<byte> input, int times, int length)
    {
        Span<byte> hash = stackalloc byte[size];
        for (var i = 0; i < times; i++)
        {
            digest.BlockUpdate(input);
        }

        digest.DoFinal(hash);
        var result = new byte[length];
        for (var offset = 0; offset < length; offset += size)
        {
            hash[..Math.Min(size, length - offset)].CopyTo(result.AsSpan(offset));
        }

        return result;
    }
}
