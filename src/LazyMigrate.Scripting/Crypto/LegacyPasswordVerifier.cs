using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// Verifies a password against a hash written by a legacy system. Shared by scripts (<c>crypto.verifyPassword</c>)
/// and, later, by bulk import of users with their legacy hashes. Only format parsing lives here: the algorithms are
/// BCrypt.Net-Next, Konscious Argon2 and .NET's own primitives (plus <see cref="Scrypt"/>).
/// </summary>
public static class LegacyPasswordVerifier
{
    // Work-factor ceilings: a hash is data from the legacy database, and a crafted one must not be able to pin a
    // core for minutes or allocate gigabytes. Each is above anything a real legacy system used.
    private const int MaxBcryptCost = 16;
    private const int MaxArgon2MemoryKib = 256 * 1024;
    private const int MaxArgon2Iterations = 16;
    private const int MaxArgon2Parallelism = 16;
    private const int MaxPbkdf2Iterations = 2_000_000;

    /// <summary>Format names accepted by <see cref="Verify(string, string, string?)"/>.</summary>
    public static IReadOnlyList<string> Formats { get; } =
        ["bcrypt", "argon2", "pbkdf2", "scrypt", "ldap", "aspnet-membership", "aspnet-identity", "django", "phpass"];

    /// <summary>
    /// Verifies against a self-describing hash (<paramref name="format"/> null: detected from the hash) or a named
    /// format: bcrypt, argon2, pbkdf2, scrypt, ldap, aspnet-membership, aspnet-identity, django, phpass.
    /// Returns false for a wrong password; throws <see cref="LegacyHashFormatException"/> for a hash it cannot read.
    /// </summary>
    public static bool Verify(string password, string hash, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(hash);
        hash = hash.Trim();
        return (format?.Trim().ToLowerInvariant() ?? Detect(hash)) switch
        {
            "bcrypt" => VerifyBcrypt(password, hash),
            "argon2" or "argon2id" or "argon2i" or "argon2d" => VerifyArgon2(password, hash),
            "pbkdf2" => VerifyPbkdf2Phc(password, hash),
            "scrypt" => VerifyScryptPhc(password, hash),
            "ldap" => VerifyLdap(password, hash),
            "aspnet-membership" => VerifyAspNetMembership(password, hash),
            "aspnet-identity" => VerifyAspNetIdentity(password, hash),
            "django" => VerifyDjango(password, hash),
            "phpass" => Phpass.Verify(password, hash),
            var other => throw new LegacyHashFormatException(
                $"unknown hash format '{other}'; known: {string.Join(", ", Formats)}"),
        };
    }

    /// <summary>Verifies against a salted digest or HMAC described in the shape of Auth0's <c>custom_password_hash</c>.</summary>
    public static bool Verify(string password, string hash, PasswordHashDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(descriptor);
        var algorithm = descriptor.Algorithm.Trim().ToLowerInvariant();
        switch (algorithm)
        {
            case "bcrypt" or "argon2" or "ldap" or "phpass" or "django" or "aspnet-identity" or "scrypt":
                return Verify(password, hash, algorithm);
            case "pbkdf2" when hash.StartsWith('$'):
                return VerifyPbkdf2Phc(password, hash);
        }

        var expected = Decode(hash.Trim(), descriptor.HashEncoding, "hash");
        var secret = Encoding.UTF8.GetBytes(password);
        var salt = descriptor.SaltValue is null ? [] : Decode(descriptor.SaltValue, descriptor.SaltEncoding, "salt");
        byte[] actual;
        if (algorithm.StartsWith("pbkdf2", StringComparison.Ordinal))
        {
            var iterations = descriptor.Iterations ?? throw new LegacyHashFormatException("pbkdf2 needs iterations");
            CheckPbkdf2Iterations(iterations);
            var digest = algorithm == "pbkdf2" ? HashAlgorithmName.SHA1 : DigestName(algorithm["pbkdf2-".Length..]);
            actual = Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, digest, descriptor.KeyLength ?? expected.Length);
        }
        else
        {
            var message = descriptor.SaltPosition.Equals("suffix", StringComparison.OrdinalIgnoreCase)
                ? [.. secret, .. salt]
                : (byte[])[.. salt, .. secret];
            if (algorithm.StartsWith("hmac-", StringComparison.Ordinal))
            {
                var key = descriptor.KeyValue is null
                    ? throw new LegacyHashFormatException("an HMAC needs a key")
                    : Decode(descriptor.KeyValue, descriptor.KeyEncoding, "key");
                actual = Hmac(algorithm["hmac-".Length..], key, message);
            }
            else
            {
                actual = Digest(algorithm, message);
            }
        }

        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>
    /// Verifies a password against a stored legacy hash. Returns false for a wrong password; throws
    /// <see cref="LegacyHashFormatException"/> for a hash it cannot read or whose work factor is over a cap.
    /// </summary>
    public static bool Verify(string password, LegacyPasswordHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        // TODO(hash formats): every Auth0 field and the other formats; this maps onto the older descriptor for now.
        return hash.Algorithm.ToLowerInvariant() switch
        {
            "bcrypt" or "argon2" or "ldap" or "phpass" or "django" or "aspnet-identity" or "aspnet-membership" => Verify(password, hash.Hash.Value, hash.Algorithm),
            "pbkdf2" when hash.Hash.Value.StartsWith('$') => Verify(password, hash.Hash.Value, "pbkdf2"),
            var algorithm => Verify(password, hash.Hash.Value, new PasswordHashDescriptor
            {
                Algorithm = algorithm == "hmac" ? $"hmac-{hash.Hash.Digest}" : algorithm,
                HashEncoding = hash.Hash.Encoding ?? "hex",
                SaltValue = hash.Salt?.Value,
                SaltEncoding = hash.Salt?.Encoding ?? "utf8",
                SaltPosition = hash.Salt?.Position ?? "prefix",
                KeyValue = hash.Hash.Key?.Value,
                KeyEncoding = hash.Hash.Key?.Encoding ?? "utf8",
                KeyLength = hash.KeyLen,
            }),
        };
    }

    /// <summary>
    /// Checks, without a password, that a hash can be verified: known algorithm, readable fields, work factors within
    /// the caps. Throws <see cref="LegacyHashFormatException"/> with the reason (never the hash) when not.
    /// </summary>
    public static void Check(LegacyPasswordHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        // TODO(hash formats): a real structural check; verifying an empty password exercises the parsers for now.
        Verify(string.Empty, hash);
    }

    /// <summary>Names the format of a self-describing hash, or throws when the hash does not say.</summary>
    public static string Detect(string hash)
    {
        if (hash.StartsWith("$2", StringComparison.Ordinal)) return "bcrypt";
        if (hash.StartsWith("$argon2", StringComparison.Ordinal)) return "argon2";
        if (hash.StartsWith("$pbkdf2", StringComparison.Ordinal)) return "pbkdf2";
        if (hash.StartsWith("$scrypt$", StringComparison.Ordinal) || hash.StartsWith("$7$", StringComparison.Ordinal)) return "scrypt";
        if (hash.StartsWith("$P$", StringComparison.Ordinal) || hash.StartsWith("$H$", StringComparison.Ordinal)) return "phpass";
        if (hash.StartsWith('{')) return "ldap";
        if (hash.StartsWith("pbkdf2_sha", StringComparison.Ordinal) || hash.StartsWith("argon2$", StringComparison.Ordinal)
            || hash.StartsWith("bcrypt$", StringComparison.Ordinal)) return "django";
        // ASP.NET Identity: base64 of a 0x00 (v2, 49 bytes) or 0x01 (v3) marker byte.
        if (hash.StartsWith("AQAAAA", StringComparison.Ordinal) || (hash.StartsWith('A') && hash.Length == 68)) return "aspnet-identity";
        throw new LegacyHashFormatException($"cannot tell the hash format; name one of: {string.Join(", ", Formats)}");
    }

    private static bool VerifyBcrypt(string password, string hash)
    {
        var parts = hash.Split('$');
        if (parts.Length != 4 || parts[1] is not ("2a" or "2b" or "2y" or "2x") || parts[3].Length != 53
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var cost))
        {
            throw new LegacyHashFormatException("not a bcrypt hash ($2a$, $2b$ or $2y$)");
        }

        if (cost is < 4 or > MaxBcryptCost)
        {
            throw new LegacyHashFormatException($"bcrypt cost {cost} is outside 4..{MaxBcryptCost}");
        }

        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            throw new LegacyHashFormatException("the bcrypt salt cannot be read");
        }
    }

    // $argon2id$v=19$m=65536,t=3,p=4$salt$hash (PHC, unpadded base64)
    private static bool VerifyArgon2(string password, string hash)
    {
        var parts = hash.Split('$');
        if (parts.Length != 6 || parts[2] != "v=19")
        {
            throw new LegacyHashFormatException("not an argon2 PHC string of version 19 ($argon2id$v=19$m=..,t=..,p=..$salt$hash)");
        }

        var parameters = PhcParameters(parts[3]);
        var memory = RequiredInt(parameters, "m");
        var iterations = RequiredInt(parameters, "t");
        var parallelism = RequiredInt(parameters, "p");
        if (memory is < 8 or > MaxArgon2MemoryKib || iterations is < 1 or > MaxArgon2Iterations || parallelism is < 1 or > MaxArgon2Parallelism)
        {
            throw new LegacyHashFormatException("argon2 parameters are outside the allowed range");
        }

        var salt = PhcBase64(parts[4]);
        var expected = PhcBase64(parts[5]);
        Argon2 argon2 = parts[1] switch
        {
            "argon2id" => new Argon2id(Encoding.UTF8.GetBytes(password)),
            "argon2i" => new Argon2i(Encoding.UTF8.GetBytes(password)),
            "argon2d" => new Argon2d(Encoding.UTF8.GetBytes(password)),
            _ => throw new LegacyHashFormatException($"unknown argon2 variant {parts[1]}"),
        };
        using (argon2)
        {
            argon2.Salt = salt;
            argon2.MemorySize = memory;
            argon2.Iterations = iterations;
            argon2.DegreeOfParallelism = parallelism;
            return CryptographicOperations.FixedTimeEquals(argon2.GetBytes(expected.Length), expected);
        }
    }

    // passlib: $pbkdf2-sha256$29000$ab64salt$ab64hash; PHC: $pbkdf2-sha256$i=29000,l=32$b64salt$b64hash
    private static bool VerifyPbkdf2Phc(string password, string hash)
    {
        var parts = hash.Split('$');
        if (parts.Length != 5 || !parts[1].StartsWith("pbkdf2", StringComparison.Ordinal))
        {
            throw new LegacyHashFormatException("not a pbkdf2 string ($pbkdf2-sha256$iterations$salt$hash)");
        }

        var digest = parts[1] == "pbkdf2" ? HashAlgorithmName.SHA1 : DigestName(parts[1]["pbkdf2-".Length..]);
        var iterations = parts[2].Contains('=', StringComparison.Ordinal)
            ? RequiredInt(PhcParameters(parts[2]), "i")
            : ParseInt(parts[2], "pbkdf2 iterations");
        CheckPbkdf2Iterations(iterations);
        var salt = PhcBase64(parts[3]);
        var expected = PhcBase64(parts[4]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, digest, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    // passlib / PHC: $scrypt$ln=16,r=8,p=1$salt$hash
    private static bool VerifyScryptPhc(string password, string hash)
    {
        var parts = hash.Split('$');
        if (parts.Length != 5 || parts[1] != "scrypt")
        {
            throw new LegacyHashFormatException("not a scrypt PHC string ($scrypt$ln=..,r=..,p=..$salt$hash)");
        }

        var parameters = PhcParameters(parts[2]);
        long n = parameters.TryGetValue("ln", out var ln)
            ? 1L << ParseInt(ln, "scrypt ln") % 63
            : RequiredInt(parameters, "N");
        var salt = PhcBase64(parts[3]);
        var expected = PhcBase64(parts[4]);
        var actual = Scrypt.DeriveKey(Encoding.UTF8.GetBytes(password), salt, n, RequiredInt(parameters, "r"), RequiredInt(parameters, "p"), expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    // RFC 2307 style: {SSHA}base64(sha1(password+salt)+salt), {SHA}, {MD5}, {SMD5}, {SSHA256}, {SSHA512}, {CRYPT}$2...
    private static bool VerifyLdap(string password, string hash)
    {
        var end = hash.IndexOf('}', StringComparison.Ordinal);
        if (!hash.StartsWith('{') || end < 0)
        {
            throw new LegacyHashFormatException("not an LDAP {SCHEME} hash");
        }

        var scheme = hash[1..end].ToUpperInvariant();
        var value = hash[(end + 1)..];
        if (scheme == "CRYPT")
        {
            return VerifyBcrypt(password, value);
        }

        var (algorithm, salted) = scheme switch
        {
            "SHA" => ("sha1", false),
            "SSHA" => ("sha1", true),
            "MD5" => ("md5", false),
            "SMD5" => ("md5", true),
            "SHA256" => ("sha256", false),
            "SSHA256" => ("sha256", true),
            "SHA512" => ("sha512", false),
            "SSHA512" => ("sha512", true),
            _ => throw new LegacyHashFormatException($"unsupported LDAP scheme {{{scheme}}}"),
        };
        var decoded = Base64(value, "LDAP hash");
        var length = Digest(algorithm, []).Length;
        if (decoded.Length < length || (!salted && decoded.Length != length))
        {
            throw new LegacyHashFormatException("the LDAP hash has the wrong length");
        }

        var salt = decoded[length..];
        var actual = Digest(algorithm, [.. Encoding.UTF8.GetBytes(password), .. salt]);
        return CryptographicOperations.FixedTimeEquals(actual, decoded.AsSpan(0, length));
    }

    /// <summary>
    /// ASP.NET Membership (SqlMembershipProvider, hashed format): base64(digest(salt bytes + UTF-16LE password)).
    /// The table keeps salt and hash in two columns; pass them as "PasswordSalt:Password". The digest (SHA1,
    /// SHA256 or SHA512, per the site's hashAlgorithmType) is told by the hash length.
    /// </summary>
    private static bool VerifyAspNetMembership(string password, string hash)
    {
        var separator = hash.IndexOf(':', StringComparison.Ordinal);
        if (separator < 0)
        {
            throw new LegacyHashFormatException("ASP.NET Membership hashes are passed as \"PasswordSalt:Password\" (both base64)");
        }

        var salt = Base64(hash[..separator], "membership salt");
        var expected = Base64(hash[(separator + 1)..], "membership hash");
        var algorithm = expected.Length switch
        {
            20 => "sha1",
            32 => "sha256",
            64 => "sha512",
            _ => throw new LegacyHashFormatException("the membership hash length matches no known digest"),
        };
        var actual = Digest(algorithm, [.. salt, .. Encoding.Unicode.GetBytes(password)]);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>ASP.NET Identity PasswordHasher: v2 (0x00, PBKDF2-HMAC-SHA1 ×1000) and v3 (0x01, PRF/iterations/salt in the header).</summary>
    private static bool VerifyAspNetIdentity(string password, string hash)
    {
        var decoded = Base64(hash, "ASP.NET Identity hash");
        var secret = Encoding.UTF8.GetBytes(password);
        if (decoded.Length == 49 && decoded[0] == 0x00)
        {
            var actual = Rfc2898DeriveBytes.Pbkdf2(secret, decoded.AsSpan(1, 16), 1000, HashAlgorithmName.SHA1, 32);
            return CryptographicOperations.FixedTimeEquals(actual, decoded.AsSpan(17, 32));
        }

        if (decoded.Length >= 13 && decoded[0] == 0x01)
        {
            var prf = BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(1));
            var iterations = BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(5));
            var saltLength = BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(9));
            if (saltLength < 8 || 13 + saltLength + 16 > decoded.Length || iterations is 0 or > MaxPbkdf2Iterations)
            {
                throw new LegacyHashFormatException("the ASP.NET Identity v3 header is invalid");
            }

            var digest = prf switch
            {
                0 => HashAlgorithmName.SHA1,
                1 => HashAlgorithmName.SHA256,
                2 => HashAlgorithmName.SHA512,
                _ => throw new LegacyHashFormatException("unknown ASP.NET Identity PRF"),
            };
            var salt = decoded.AsSpan(13, (int)saltLength);
            var expected = decoded.AsSpan(13 + (int)saltLength);
            var actual = Rfc2898DeriveBytes.Pbkdf2(secret, salt, (int)iterations, digest, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }

        throw new LegacyHashFormatException("not an ASP.NET Identity v2 or v3 hash");
    }

    // Django: pbkdf2_sha256$iterations$salt$base64hash, pbkdf2_sha1$..., argon2$argon2id$..., bcrypt$$2b$...
    private static bool VerifyDjango(string password, string hash)
    {
        if (hash.StartsWith("argon2$", StringComparison.Ordinal))
        {
            return VerifyArgon2(password, hash["argon2".Length..]);
        }

        if (hash.StartsWith("bcrypt$", StringComparison.Ordinal))
        {
            return VerifyBcrypt(password, hash["bcrypt$".Length..]);
        }

        var parts = hash.Split('$');
        if (parts.Length != 4 || parts[0] is not ("pbkdf2_sha256" or "pbkdf2_sha1"))
        {
            throw new LegacyHashFormatException("not a Django pbkdf2_sha256/pbkdf2_sha1, argon2 or bcrypt hash");
        }

        var iterations = ParseInt(parts[1], "Django iterations");
        CheckPbkdf2Iterations(iterations);
        var expected = Base64(parts[3], "Django hash");
        var digest = parts[0] == "pbkdf2_sha256" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(parts[2]), iterations, digest, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    internal static byte[] Digest(string algorithm, byte[] data) => algorithm.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
        // MD5 and SHA-1 are broken for new hashes; here they only check what a legacy system already stored.
#pragma warning disable CA5351 // Legacy verification needs the legacy digest.
        "md5" => MD5.HashData(data),
#pragma warning restore CA5351
#pragma warning disable CA5350 // Legacy verification needs the legacy digest.
        "sha1" => SHA1.HashData(data),
#pragma warning restore CA5350
        "sha256" => SHA256.HashData(data),
        "sha384" => SHA384.HashData(data),
        "sha512" => SHA512.HashData(data),
        _ => throw new LegacyHashFormatException($"unknown digest '{algorithm}' (md5, sha1, sha256, sha384, sha512)"),
    };

    internal static byte[] Hmac(string algorithm, byte[] key, byte[] data) => algorithm.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
#pragma warning disable CA5351 // Legacy verification needs the legacy digest.
        "md5" => HMACMD5.HashData(key, data),
#pragma warning restore CA5351
#pragma warning disable CA5350 // Legacy verification needs the legacy digest.
        "sha1" => HMACSHA1.HashData(key, data),
#pragma warning restore CA5350
        "sha256" => HMACSHA256.HashData(key, data),
        "sha384" => HMACSHA384.HashData(key, data),
        "sha512" => HMACSHA512.HashData(key, data),
        _ => throw new LegacyHashFormatException($"unknown HMAC digest '{algorithm}' (md5, sha1, sha256, sha384, sha512)"),
    };

    internal static HashAlgorithmName DigestName(string algorithm) => algorithm.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
        "sha1" => HashAlgorithmName.SHA1,
        "sha256" => HashAlgorithmName.SHA256,
        "sha384" => HashAlgorithmName.SHA384,
        "sha512" => HashAlgorithmName.SHA512,
        _ => throw new LegacyHashFormatException($"unknown pbkdf2 digest '{algorithm}' (sha1, sha256, sha384, sha512)"),
    };

    internal static void CheckPbkdf2Iterations(int iterations)
    {
        if (iterations is < 1 or > MaxPbkdf2Iterations)
        {
            throw new LegacyHashFormatException($"pbkdf2 iterations must be within 1..{MaxPbkdf2Iterations}");
        }
    }

    internal static byte[] Decode(string value, string encoding, string what)
    {
        try
        {
            return encoding.ToLowerInvariant() switch
            {
                "hex" => Convert.FromHexString(value),
                "base64" => Convert.FromBase64String(value),
                "base64url" => Base64Url(value),
                "utf8" or "utf-8" => Encoding.UTF8.GetBytes(value),
                "utf16le" or "utf-16le" or "ucs2" => Encoding.Unicode.GetBytes(value),
                "latin1" or "binary" => Encoding.Latin1.GetBytes(value),
                _ => throw new LegacyHashFormatException($"unknown {what} encoding '{encoding}' (hex, base64, base64url, utf8)"),
            };
        }
        catch (FormatException)
        {
            throw new LegacyHashFormatException($"the {what} is not valid {encoding}");
        }
    }

    private static byte[] Base64Url(string value) =>
        Convert.FromBase64String(value.Replace('-', '+').Replace('_', '/').PadRight(value.Length + (4 - value.Length % 4) % 4, '='));

    private static byte[] Base64(string value, string what)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new LegacyHashFormatException($"the {what} is not valid base64");
        }
    }

    /// <summary>PHC strings use unpadded base64; passlib writes '.' for '+'. Both are read.</summary>
    private static byte[] PhcBase64(string value)
    {
        var standard = value.Replace('.', '+');
        return Base64(standard.PadRight(standard.Length + (4 - standard.Length % 4) % 4, '='), "PHC field");
    }

    private static Dictionary<string, string> PhcParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(','))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new LegacyHashFormatException($"cannot read parameter '{pair}'");
            }

            result[pair[..separator]] = pair[(separator + 1)..];
        }

        return result;
    }

    private static int RequiredInt(Dictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var value) ? ParseInt(value, name) : throw new LegacyHashFormatException($"parameter {name} is missing");

    private static int ParseInt(string value, string what) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new LegacyHashFormatException($"{what} is not a number");
}

/// <summary>
/// Auth0's <c>custom_password_hash</c> shape: <c>{algorithm, hash: {encoding}, salt: {value, encoding, position},
/// key: {value, encoding}, iterations, keylen}</c>.
/// </summary>
public sealed record PasswordHashDescriptor
{
    /// <summary>md5, sha1, sha256, sha512, hmac-md5, hmac-sha1, hmac-sha256, hmac-sha512, pbkdf2-sha1/sha256/sha512...</summary>
    public required string Algorithm { get; init; }

    /// <summary>hex (default), base64 or utf8.</summary>
    public string HashEncoding { get; init; } = "hex";

    public string? SaltValue { get; init; }

    /// <summary>utf8 (default), hex or base64.</summary>
    public string SaltEncoding { get; init; } = "utf8";

    /// <summary>prefix (default) or suffix.</summary>
    public string SaltPosition { get; init; } = "prefix";

    public string? KeyValue { get; init; }

    public string KeyEncoding { get; init; } = "utf8";

    public int? Iterations { get; init; }

    public int? KeyLength { get; init; }
}

/// <summary>The hash is not in a format the verifier can read (distinct from a wrong password).</summary>
public sealed class LegacyHashFormatException(string message) : Exception(message);
