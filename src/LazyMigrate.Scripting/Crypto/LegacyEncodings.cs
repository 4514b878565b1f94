using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>How the typed password became bytes when the legacy hash was made (Auth0's <c>password.encoding</c>).</summary>
internal enum PasswordEncoding
{
    /// <summary>utf8 (the default).</summary>
    Utf8,

    /// <summary>
    /// ascii, latin1 and binary: as Node.js (where Auth0's verifier runs) writes them, one byte per UTF-16 code unit,
    /// its low 8 bits. .NET's Latin1 would write '?' for characters above U+00FF instead.
    /// </summary>
    Latin1,

    /// <summary>utf16le and ucs2: the UTF-16 code units, little-endian (lone surrogates kept, as Node.js does).</summary>
    Utf16Le,
}

/// <summary>The text encodings of hashes, salts, keys and passwords.</summary>
internal static class LegacyEncodings
{
    /// <summary>bcrypt's base64 alphabet (OpenBSD), most significant bits first.</summary>
    private const string BcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>crypt(3)'s alphabet (md5-crypt, sha-crypt, phpass, Drupal), least significant bits first.</summary>
    public const string CryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly SearchValues<char> CryptCharacters = SearchValues.Create(CryptAlphabet);

    private static readonly sbyte[] BcryptValues = Table(BcryptAlphabet);

    /// <summary>Whether every character is in crypt(3)'s base64 alphabet.</summary>
    public static bool IsCrypt64(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(CryptCharacters);

    private static sbyte[] Table(string alphabet)
    {
        var table = new sbyte[128];
        Array.Fill(table, (sbyte)-1);
        for (var i = 0; i < alphabet.Length; i++)
        {
            table[alphabet[i]] = (sbyte)i;
        }

        return table;
    }

    public static PasswordEncoding ParsePasswordEncoding(string? encoding) => encoding?.Trim().ToLowerInvariant() switch
    {
        null or "" or "utf8" or "utf-8" => PasswordEncoding.Utf8,
        "ascii" or "latin1" or "binary" => PasswordEncoding.Latin1,
        "utf16le" or "utf-16le" or "ucs2" or "ucs-2" => PasswordEncoding.Utf16Le,
        _ => throw new LegacyHashFormatException(
            $"unknown password.encoding '{Labels.Of(encoding)}' (ascii, utf8, utf16le, ucs2, latin1, binary)"),
    };

    public static byte[] PasswordBytes(string password, PasswordEncoding encoding)
    {
        switch (encoding)
        {
            case PasswordEncoding.Latin1:
                var latin1 = new byte[password.Length];
                for (var i = 0; i < password.Length; i++)
                {
                    latin1[i] = (byte)password[i];
                }

                return latin1;
            case PasswordEncoding.Utf16Le:
                var units = MemoryMarshal.AsBytes(password.AsSpan());
                if (BitConverter.IsLittleEndian)
                {
                    return units.ToArray();
                }

                var swapped = new byte[units.Length];
                for (var i = 0; i < password.Length; i++)
                {
                    swapped[2 * i] = (byte)password[i];
                    swapped[(2 * i) + 1] = (byte)(password[i] >> 8);
                }

                return swapped;
            default:
                return Encoding.UTF8.GetBytes(password);
        }
    }

    /// <summary>
    /// Decodes a value written as hex, base64 or utf8 (Auth0's encodings; base64 also in its URL-safe alphabet and
    /// without padding, as Auth0 accepts). With no encoding named, <paramref name="fallback"/> is used; a
    /// <paramref name="length"/>-determined choice between hex and base64 is made when that is null.
    /// </summary>
    public static byte[] Decode(string value, string? encoding, string what, string? fallback = "utf8", int? length = null)
    {
        var name = encoding?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(name))
        {
            name = fallback;
        }

        switch (name)
        {
            case "hex":
                return TryHex(value, out var hex) ? hex : throw new LegacyHashFormatException($"the {what} is not valid hex");
            case "base64" or "base64url":
                return TryBase64(value, out var base64) ? base64 : throw new LegacyHashFormatException($"the {what} is not valid base64");
            case "utf8" or "utf-8":
                return Encoding.UTF8.GetBytes(value);
            case "latin1" or "binary":
                return PasswordBytes(value, PasswordEncoding.Latin1);
            case "utf16le" or "ucs2":
                return PasswordBytes(value, PasswordEncoding.Utf16Le);
            case null when length is { } expected:
                // A digest's length tells its text form apart: 2n hex digits or the base64 of n bytes, never both.
                if (value.Length == 2 * expected && TryHex(value, out var digits))
                {
                    return digits;
                }

                if (TryBase64(value, out var bytes) && bytes.Length == expected)
                {
                    return bytes;
                }

                throw new LegacyHashFormatException($"the {what} is neither the hex nor the base64 of {expected} bytes; name its encoding");
            case null:
                throw new LegacyHashFormatException($"the {what} needs an encoding (hex or base64)");
            default:
                throw new LegacyHashFormatException($"unknown {what} encoding '{Labels.Of(encoding)}' (base64, hex, utf8)");
        }
    }

    public static bool TryHex(ReadOnlySpan<char> value, out byte[] bytes)
    {
        value = value.Trim();
        bytes = [];
        if (value.Length % 2 != 0)
        {
            return false;
        }

        var result = new byte[value.Length / 2];
        if (Convert.FromHexString(value, result, out _, out var written) != System.Buffers.OperationStatus.Done || written != result.Length)
        {
            return false;
        }

        bytes = result;
        return true;
    }

    /// <summary>base64 in any of its common dresses: standard, URL-safe, passlib's '.' for '+', padded or not.</summary>
    public static bool TryBase64(ReadOnlySpan<char> value, out byte[] bytes)
    {
        value = value.Trim().TrimEnd('=');
        bytes = [];
        var padded = (value.Length + 3) / 4 * 4;
        if (value.Length % 4 == 1 || padded > 1 << 20)
        {
            return false;
        }

        var buffer = padded <= 1024 ? stackalloc char[padded] : new char[padded];
        for (var i = 0; i < value.Length; i++)
        {
            buffer[i] = value[i] switch
            {
                '-' or '.' => '+',
                '_' => '/',
                var c => c,
            };
        }

        buffer[value.Length..].Fill('=');
        var result = new byte[padded / 4 * 3];
        if (!Convert.TryFromBase64Chars(buffer, result, out var written))
        {
            return false;
        }

        bytes = written == result.Length ? result : result[..written];
        return true;
    }

    public static byte[] Base64(string value, string what) =>
        TryBase64(value, out var bytes) ? bytes : throw new LegacyHashFormatException($"the {what} is not valid base64");

    /// <summary>Unpadded standard base64, as PHC strings write it.</summary>
    public static string PhcBase64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>Decodes bcrypt's base64 (salt: 22 characters → 16 bytes; hash: 31 → 23).</summary>
    public static bool TryBcryptBase64(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var bits = 0;
        var accumulator = 0;
        var written = 0;
        foreach (var c in text)
        {
            var index = c < 128 ? BcryptValues[c] : -1;
            if (index < 0)
            {
                return false;
            }

            accumulator = (accumulator << 6) | index;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                if (written == destination.Length)
                {
                    return false;
                }

                destination[written++] = (byte)(accumulator >> bits);
                accumulator &= (1 << bits) - 1;
            }
        }

        return written == destination.Length;
    }

    /// <summary>crypt(3)'s b64_from_24bit: <paramref name="count"/> characters of (b2 b1 b0), least significant first.</summary>
    public static void Crypt64(StringBuilder output, byte b2, byte b1, byte b0, int count)
    {
        var w = (b2 << 16) | (b1 << 8) | b0;
        for (var i = 0; i < count; i++)
        {
            output.Append(CryptAlphabet[w & 0x3f]);
            w >>= 6;
        }
    }
}
