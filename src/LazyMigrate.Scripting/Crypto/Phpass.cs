using System.Security.Cryptography;
using System.Text;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>phpass portable hashes (<c>$P$</c>, <c>$H$</c>): iterated MD5 as WordPress, phpBB and Drupal 7 wrote them.</summary>
internal static class Phpass
{
    private const string Itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // phpass is iterated MD5 by definition; this only checks hashes a legacy system already stored.
#pragma warning disable CA5351
    public static bool Verify(string password, string hash)
    {
        if (hash.Length != 34 || !(hash.StartsWith("$P$", StringComparison.Ordinal) || hash.StartsWith("$H$", StringComparison.Ordinal)))
        {
            throw new LegacyHashFormatException("not a phpass portable hash ($P$ or $H$, 34 characters)");
        }

        var log2 = Itoa64.IndexOf(hash[3], StringComparison.Ordinal);
        if (log2 is < 7 or > 30)
        {
            throw new LegacyHashFormatException("phpass iteration count is out of range");
        }

        var salt = Encoding.ASCII.GetBytes(hash.Substring(4, 8));
        var secret = Encoding.UTF8.GetBytes(password);
        var digest = MD5.HashData([.. salt, .. secret]);
        for (var count = 1 << log2; count > 0; count--)
        {
            digest = MD5.HashData([.. digest, .. secret]);
        }

        var expected = Encoding.ASCII.GetBytes(hash[..12] + Encode64(digest));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(hash));
    }
#pragma warning restore CA5351

    /// <summary>phpass's own little-endian base64 variant.</summary>
    private static string Encode64(byte[] input)
    {
        var output = new StringBuilder();
        var i = 0;
        while (i < input.Length)
        {
            var value = (int)input[i++];
            output.Append(Itoa64[value & 0x3f]);
            if (i < input.Length)
            {
                value |= input[i] << 8;
            }

            output.Append(Itoa64[(value >> 6) & 0x3f]);
            if (i++ >= input.Length)
            {
                break;
            }

            if (i < input.Length)
            {
                value |= input[i] << 16;
            }

            output.Append(Itoa64[(value >> 12) & 0x3f]);
            if (i++ >= input.Length)
            {
                break;
            }

            output.Append(Itoa64[(value >> 18) & 0x3f]);
        }

        return output.ToString();
    }
}
