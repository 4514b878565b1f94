using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>The message digests legacy hashes are made of (Auth0's <c>hash.digest</c> list and its pbkdf2 digests).</summary>
internal enum DigestKind
{
    Md4,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Ripemd160,
    Whirlpool,
}

/// <summary>
/// Digest, HMAC and PBKDF2 by name. MD5 and the SHA family run on .NET's own (OpenSSL) primitives; MD4, SHA-224,
/// RIPEMD-160 and Whirlpool, which .NET does not ship, and PBKDF2 over MD4/MD5/SHA-224/RIPEMD-160/Whirlpool come from
/// BouncyCastle. MD4, MD5 and SHA-1 are broken for new hashes; here they only check what a legacy system already stored.
/// </summary>
internal static class LegacyDigests
{
    public const string Names = "md4, md5, sha1, sha224, sha256, sha384, sha512, ripemd160, whirlpool";

    /// <summary>
    /// Reads a digest name: the plain names and the OpenSSL aliases Auth0's pbkdf2 accepts (<c>RSA-SHA256</c>,
    /// <c>sha256WithRSAEncryption</c>, <c>ssl3-sha1</c>, <c>rmd160</c>...). MDC-2, which Auth0 also lists, has no
    /// maintained .NET implementation and is refused.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> name, out DigestKind kind)
    {
        Span<char> lower = stackalloc char[32];
        kind = default;
        if (name.IsEmpty || name.Length > lower.Length)
        {
            return false;
        }

        var length = name.ToLowerInvariant(lower);
        ReadOnlySpan<char> n = lower[..length];
        if (n.StartsWith("rsa-"))
        {
            n = n[4..];
        }

        if (n.StartsWith("ssl3-"))
        {
            n = n[5..];
        }

        if (n.EndsWith("withrsaencryption"))
        {
            n = n[..^"withrsaencryption".Length];
        }
        else if (n.EndsWith("withrsa"))
        {
            n = n[..^"withrsa".Length];
        }

        switch (n)
        {
            case "md4": kind = DigestKind.Md4; return true;
            case "md5": kind = DigestKind.Md5; return true;
            case "sha1" or "sha-1" or "sha1-2": kind = DigestKind.Sha1; return true;
            case "sha224" or "sha-224": kind = DigestKind.Sha224; return true;
            case "sha256" or "sha-256": kind = DigestKind.Sha256; return true;
            case "sha384" or "sha-384": kind = DigestKind.Sha384; return true;
            case "sha512" or "sha-512": kind = DigestKind.Sha512; return true;
            case "ripemd160" or "ripemd" or "rmd160" or "ripemd-160": kind = DigestKind.Ripemd160; return true;
            case "whirlpool": kind = DigestKind.Whirlpool; return true;
            default: return false;
        }
    }

    public static DigestKind Parse(string name, string what) =>
        TryParse(name, out var kind)
            ? kind
            : throw new LegacyHashFormatException($"unknown {what} '{Labels.Of(name)}' (known: {Names})");

    public static string Name(DigestKind kind) => kind switch
    {
        DigestKind.Md4 => "md4",
        DigestKind.Md5 => "md5",
        DigestKind.Sha1 => "sha1",
        DigestKind.Sha224 => "sha224",
        DigestKind.Sha256 => "sha256",
        DigestKind.Sha384 => "sha384",
        DigestKind.Sha512 => "sha512",
        DigestKind.Ripemd160 => "ripemd160",
        _ => "whirlpool",
    };

    public static int Size(DigestKind kind) => kind switch
    {
        DigestKind.Md4 or DigestKind.Md5 => 16,
        DigestKind.Sha1 or DigestKind.Ripemd160 => 20,
        DigestKind.Sha224 => 28,
        DigestKind.Sha256 => 32,
        DigestKind.Sha384 => 48,
        _ => 64,
    };

    public static byte[] Hash(DigestKind kind, ReadOnlySpan<byte> data)
    {
        var result = new byte[Size(kind)];
        Hash(kind, data, result);
        return result;
    }

#pragma warning disable CA5350, CA5351 // Legacy verification needs the legacy digest.
    public static void Hash(DigestKind kind, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        switch (kind)
        {
            case DigestKind.Md5: MD5.HashData(data, destination); break;
            case DigestKind.Sha1: SHA1.HashData(data, destination); break;
            case DigestKind.Sha256: SHA256.HashData(data, destination); break;
            case DigestKind.Sha384: SHA384.HashData(data, destination); break;
            case DigestKind.Sha512: SHA512.HashData(data, destination); break;
            default:
                var digest = Bouncy(kind);
                digest.BlockUpdate(data);
                digest.DoFinal(destination);
                break;
        }
    }

    public static byte[] Hmac(DigestKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var result = new byte[Size(kind)];
        Hmac(kind, key, data, result);
        return result;
    }

    public static void Hmac(DigestKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        switch (kind)
        {
            case DigestKind.Md5: HMACMD5.HashData(key, data, destination); break;
            case DigestKind.Sha1: HMACSHA1.HashData(key, data, destination); break;
            case DigestKind.Sha256: HMACSHA256.HashData(key, data, destination); break;
            case DigestKind.Sha384: HMACSHA384.HashData(key, data, destination); break;
            case DigestKind.Sha512: HMACSHA512.HashData(key, data, destination); break;
            default:
                var mac = new HMac(Bouncy(kind));
                mac.Init(new KeyParameter(key));
                mac.BlockUpdate(data);
                mac.DoFinal(destination);
                break;
        }
    }
#pragma warning restore CA5350, CA5351

    public static void Pbkdf2(DigestKind kind, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination)
    {
        var name = kind switch
        {
            DigestKind.Sha1 => HashAlgorithmName.SHA1,
            DigestKind.Sha256 => HashAlgorithmName.SHA256,
            DigestKind.Sha384 => HashAlgorithmName.SHA384,
            DigestKind.Sha512 => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (name.Name is not null)
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, destination, iterations, name);
            return;
        }

        var generator = new Pkcs5S2ParametersGenerator(Bouncy(kind));
        generator.Init(password.ToArray(), salt.ToArray(), iterations);
        var key = ((KeyParameter)generator.GenerateDerivedMacParameters(destination.Length * 8)).GetKey();
        key.CopyTo(destination);
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>
    /// A reusable managed digest (BouncyCastle), for constructions that hash small inputs many times over
    /// (phpass, Drupal, crypt(3), FusionAuth's factor): twice as fast there as a platform call per round.
    /// </summary>
    public static IDigest Bouncy(DigestKind kind) => kind switch
    {
        DigestKind.Md4 => new MD4Digest(),
        DigestKind.Md5 => new MD5Digest(),
        DigestKind.Sha1 => new Sha1Digest(),
        DigestKind.Sha224 => new Sha224Digest(),
        DigestKind.Sha256 => new Sha256Digest(),
        DigestKind.Sha384 => new Sha384Digest(),
        DigestKind.Sha512 => new Sha512Digest(),
        DigestKind.Ripemd160 => new RipeMD160Digest(),
        _ => new WhirlpoolDigest(),
    };
}

/// <summary>Short names from a hash (a scheme, an algorithm id) that are safe to put in a message: never the hash itself.</summary>
internal static class Labels
{
    /// <summary>The text when it is a short identifier ([A-Za-z0-9_.-], at most 32 characters), else a placeholder.</summary>
    public static string Of(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return "(empty)";
        }

        if (text.Length > 32)
        {
            return "(unreadable)";
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return "(unreadable)";
            }
        }

        return text.ToString();
    }
}
