using System.Security.Cryptography;
using System.Text;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// phpass portable hashes (<c>$P$</c>, <c>$H$</c>: iterated MD5, as WordPress and phpBB write them) and Drupal 7's
/// <c>$S$</c> (the same construction over SHA-512, cut to 55 characters, <c>includes/password.inc</c>). Both are
/// fixed algorithms no maintained .NET package implements.
/// </summary>
internal static class Phpass
{
    /// <summary>Drupal 7's DRUPAL_HASH_LENGTH: the stored hash is the first 55 characters.</summary>
    public const int DrupalHashLength = 55;

    /// <summary>phpass and Drupal accept 2^7..2^30 iterations.</summary>
    public const int MinLog2 = 7;

    public const int MaxLog2 = 30;

    /// <summary>
    /// The encoded hash (setting + digest) phpass or Drupal computes: <c>hash = H(salt . password)</c>, then
    /// 2^log2 times <c>hash = H(hash . password)</c>, written in crypt's base64.
    /// </summary>
    public static string Compute(bool sha512, string setting, ReadOnlySpan<byte> password)
    {
        var log2 = LegacyEncodings.CryptAlphabet.IndexOf(setting[3], StringComparison.Ordinal);
        var salt = Encoding.ASCII.GetBytes(setting.Substring(4, 8));
        var digest = LegacyDigests.Bouncy(sha512 ? DigestKind.Sha512 : DigestKind.Md5);
        Span<byte> hash = stackalloc byte[sha512 ? 64 : 16];
        digest.BlockUpdate(salt);
        digest.BlockUpdate(password);
        digest.DoFinal(hash);
        for (var count = 1 << log2; count > 0; count--)
        {
            digest.BlockUpdate(hash);
            digest.BlockUpdate(password);
            digest.DoFinal(hash);
        }

        var output = setting[..12] + Encode64(hash);
        CryptographicOperations.ZeroMemory(hash);
        return sha512 ? output[..DrupalHashLength] : output;
    }

    /// <summary>phpass's own little-endian base64 (Drupal's _password_base64_encode is the same function).</summary>
    private static string Encode64(ReadOnlySpan<byte> input)
    {
        const string itoa64 = LegacyEncodings.CryptAlphabet;
        var output = new StringBuilder(((input.Length * 8) + 5) / 6);
        var i = 0;
        while (i < input.Length)
        {
            var value = (int)input[i++];
            output.Append(itoa64[value & 0x3f]);
            if (i < input.Length)
            {
                value |= input[i] << 8;
            }

            output.Append(itoa64[(value >> 6) & 0x3f]);
            if (i++ >= input.Length)
            {
                break;
            }

            if (i < input.Length)
            {
                value |= input[i] << 16;
            }

            output.Append(itoa64[(value >> 12) & 0x3f]);
            if (i++ >= input.Length)
            {
                break;
            }

            output.Append(itoa64[(value >> 18) & 0x3f]);
        }

        return output.ToString();
    }
}
