using System.Globalization;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>Format names: what <see cref="LegacyPasswordHash.FromFormat"/> accepts, prefix detection, display names.</summary>
internal static class LegacyHashFormats
{
    /// <summary>Names <see cref="FromFormat"/> accepts (the digest, hmac-, pbkdf2- and fusionauth- families by pattern).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "auto", "bcrypt", "argon2", "pbkdf2", "pbkdf2-<digest>", "scrypt", "ldap", "crypt", "md5-crypt", "sha256-crypt",
        "sha512-crypt", "drupal7", "phpass", "django", "aspnet-identity", "aspnet-membership", "firebase-scrypt",
        "md4", "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "ripemd160", "whirlpool", "hmac-<digest>",
        "fusionauth-<scheme>",
    ];

    /// <summary>Values of <see cref="LegacyPasswordHash.Algorithm"/> the verifier knows.</summary>
    public static IReadOnlyList<string> Algorithms { get; } =
    [
        "argon2", "bcrypt", "hmac", "ldap", "md4", "md5", "sha1", "sha256", "sha512", "pbkdf2", "scrypt",
        "sha224", "sha384", "ripemd160", "whirlpool", "firebase-scrypt", "crypt", "drupal7", "phpass", "django",
        "aspnet-identity", "aspnet-membership", "fusionauth-salted-md5", "fusionauth-salted-sha256",
    ];

    private static readonly string[] SelfDescribing = ["bcrypt", "argon2", "ldap", "drupal7", "phpass", "django", "aspnet-identity"];

    private static readonly string[] KnownParameters =
    [
        "hashencoding", "saltencoding", "saltposition", "passwordencoding", "digest", "key", "keyencoding", "iterations",
        "keylen", "cost", "blocksize", "parallelization", "signerkey", "saltseparator", "rounds", "memcost", "factor",
    ];

    public static LegacyPasswordHash FromFormat(string format, string hash, string? salt, IReadOnlyDictionary<string, string>? parameters)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(hash);
        hash = hash.Trim();
        var options = Normalise(parameters);
        var name = format.Trim().ToLowerInvariant();
        if (name is "" or "auto")
        {
            name = Detect(hash);
        }

        var password = Option(options, "passwordencoding") is { } passwordEncoding ? new LegacyPasswordHash.PasswordPart { Encoding = passwordEncoding } : null;
        var result = Build(name, hash, salt, options, format);
        return password is null ? result : result with { Password = password };
    }

    private static LegacyPasswordHash Build(string name, string hash, string? salt, Dictionary<string, string> options, string format)
    {
        if (Array.IndexOf(SelfDescribing, name) >= 0 || (name is "pbkdf2" && hash.StartsWith('$')) || (name is "scrypt" && hash.StartsWith("$scrypt$", StringComparison.Ordinal)))
        {
            NoSalt(name, salt);
            return Plain(name, hash);
        }

        if (name is "crypt" or "md5-crypt" or "sha256-crypt" or "sha512-crypt")
        {
            NoSalt(name, salt);
            var expected = name switch { "md5-crypt" => "$1$", "sha256-crypt" => "$5$", "sha512-crypt" => "$6$", _ => null };
            if (expected is not null && !hash.StartsWith(expected, StringComparison.Ordinal))
            {
                throw new LegacyHashFormatException($"a {name} hash starts with {expected}");
            }

            return Plain("crypt", hash);
        }

        if (name.StartsWith("fusionauth-", StringComparison.Ordinal))
        {
            var factor = Option(options, "factor") is { } text ? Int(text, "factor") : 1;
            return LegacyPasswordHash.FromFusionAuth(name["fusionauth-".Length..], factor, salt ?? throw new LegacyHashFormatException("FusionAuth hashes need their salt"), hash);
        }

        switch (name)
        {
            case "pbkdf2" or "scrypt" or "firebase-scrypt" or "aspnet-membership":
                break;
            case var hmac when hmac.StartsWith("hmac", StringComparison.Ordinal):
                var digest = hmac == "hmac" ? Option(options, "digest") : hmac["hmac-".Length..];
                return new LegacyPasswordHash
                {
                    Algorithm = "hmac",
                    Hash = new LegacyPasswordHash.HashPart
                    {
                        Value = hash,
                        Encoding = Option(options, "hashencoding"),
                        Digest = digest ?? throw new LegacyHashFormatException("an hmac needs its digest (hmac-sha256, ...)"),
                        Key = new LegacyPasswordHash.KeyPart
                        {
                            Value = Option(options, "key") ?? throw new LegacyHashFormatException("an hmac needs its key (parameter key)"),
                            Encoding = Option(options, "keyencoding"),
                        },
                    },
                    Salt = Salt(salt, options),
                };
            case var pbkdf2 when pbkdf2.StartsWith("pbkdf2-", StringComparison.Ordinal):
                if (hash.StartsWith('$'))
                {
                    NoSalt(name, salt);
                    if (!hash.StartsWith("$" + pbkdf2 + "$", StringComparison.Ordinal))
                    {
                        throw new LegacyHashFormatException($"the hash is not a ${Labels.Of(pbkdf2)}$ string");
                    }

                    return Plain("pbkdf2", hash);
                }

                options["digest"] = pbkdf2["pbkdf2-".Length..];
                name = "pbkdf2";
                break;
            case var digestName when LegacyDigests.TryParse(digestName, out var kind) && digestName == LegacyDigests.Name(kind):
                return new LegacyPasswordHash
                {
                    Algorithm = digestName,
                    Hash = new LegacyPasswordHash.HashPart { Value = hash, Encoding = Option(options, "hashencoding") },
                    Salt = Salt(salt, options),
                };
            default:
                throw new LegacyHashFormatException($"unknown hash format '{Labels.Of(name)}' (supported: {string.Join(", ", Names)})");
        }

        return name switch
        {
            "pbkdf2" => new LegacyPasswordHash
            {
                Algorithm = "pbkdf2",
                Hash = new LegacyPasswordHash.HashPart { Value = hash, Encoding = Option(options, "hashencoding"), Digest = Option(options, "digest") },
                Salt = Salt(salt, options) ?? throw new LegacyHashFormatException("a pbkdf2 hash without a PHC string needs its salt"),
                KeyLen = Option(options, "keylen") is { } keylen ? Int(keylen, "keylen") : null,
                Parameters = new Dictionary<string, string>
                {
                    ["iterations"] = Option(options, "iterations") ?? throw new LegacyHashFormatException("a pbkdf2 hash without a PHC string needs its iterations"),
                },
            },
            "scrypt" => new LegacyPasswordHash
            {
                Algorithm = "scrypt",
                Hash = new LegacyPasswordHash.HashPart { Value = hash, Encoding = Option(options, "hashencoding") },
                Salt = Salt(salt, options),
                KeyLen = Option(options, "keylen") is { } keylen ? Int(keylen, "keylen") : null,
                Cost = Option(options, "cost") is { } cost ? long.TryParse(cost, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new LegacyHashFormatException("cost is not a number") : null,
                BlockSize = Option(options, "blocksize") is { } r ? Int(r, "blockSize") : null,
                Parallelization = Option(options, "parallelization") is { } p ? Int(p, "parallelization") : null,
            },
            "firebase-scrypt" => new LegacyPasswordHash
            {
                Algorithm = "firebase-scrypt",
                Hash = new LegacyPasswordHash.HashPart { Value = hash, Encoding = "base64" },
                Salt = new LegacyPasswordHash.SaltPart { Value = salt ?? throw new LegacyHashFormatException("a Firebase scrypt hash needs its salt"), Encoding = "base64" },
                Parameters = new Dictionary<string, string>
                {
                    ["signer_key"] = Option(options, "signerkey") ?? throw new LegacyHashFormatException("a Firebase scrypt hash needs the project's signer_key"),
                    ["salt_separator"] = Option(options, "saltseparator") ?? "",
                    ["rounds"] = Option(options, "rounds") ?? throw new LegacyHashFormatException("a Firebase scrypt hash needs rounds"),
                    ["mem_cost"] = Option(options, "memcost") ?? throw new LegacyHashFormatException("a Firebase scrypt hash needs mem_cost"),
                },
            },
            _ => Membership(hash, salt, options),
        };
    }

    private static LegacyPasswordHash Membership(string hash, string? salt, Dictionary<string, string> options)
    {
        if (salt is null)
        {
            var separator = hash.IndexOf(':', StringComparison.Ordinal);
            if (separator < 0)
            {
                throw new LegacyHashFormatException("an ASP.NET Membership hash needs its PasswordSalt (a salt column, or \"PasswordSalt:Password\")");
            }

            salt = hash[..separator];
            hash = hash[(separator + 1)..];
        }

        return new LegacyPasswordHash
        {
            Algorithm = "aspnet-membership",
            Hash = new LegacyPasswordHash.HashPart { Value = hash, Encoding = "base64", Digest = Option(options, "digest") },
            Salt = new LegacyPasswordHash.SaltPart { Value = salt, Encoding = "base64" },
        };
    }

    /// <summary>Names the format of a self-describing hash by its prefix, or throws when the prefix does not tell.</summary>
    public static string Detect(string hash)
    {
        ReadOnlySpan<char> h = hash.AsSpan().Trim();
        if (h.StartsWith("$2a$") || h.StartsWith("$2b$") || h.StartsWith("$2y$") || h.StartsWith("$2x$") || h.StartsWith("$2$"))
        {
            return "bcrypt";
        }

        if (h.StartsWith("$argon2"))
        {
            return "argon2";
        }

        if (h.StartsWith("$pbkdf2"))
        {
            return "pbkdf2";
        }

        if (h.StartsWith("$scrypt$"))
        {
            return "scrypt";
        }

        if (h.StartsWith("$1$") || h.StartsWith("$5$") || h.StartsWith("$6$"))
        {
            return "crypt";
        }

        if (h.StartsWith("$S$") || h.StartsWith("U$"))
        {
            return "drupal7";
        }

        if (h.StartsWith("$P$") || h.StartsWith("$H$"))
        {
            return "phpass";
        }

        if (h.StartsWith("{"))
        {
            return "ldap";
        }

        var dollar = h.IndexOf('$');
        if (dollar > 0 && DjangoAlgorithms.Contains(h[..dollar].ToString()))
        {
            return "django";
        }

        // ASP.NET Identity: base64 of a 0x00 (v2, 49 bytes: 'A' then one of A..P) or 0x01 (v3, then PRF 0..2) marker byte.
        if (h.StartsWith("AQAAAA") || IsIdentityV2(h))
        {
            return "aspnet-identity";
        }

        throw new LegacyHashFormatException(
            "cannot tell the hash format from the hash; name it (" + string.Join(", ", Names.Where(n => n != "auto")) + ")");
    }

    public static readonly HashSet<string> DjangoAlgorithms =
        new(["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt", "bcrypt_sha256", "scrypt", "sha1", "md5", "crypt"], StringComparer.Ordinal);

    /// <summary>The display name of a hash (see <see cref="LegacyPasswordHash.Format"/>). Never throws, never shows the hash.</summary>
    public static string Describe(LegacyPasswordHash hash)
    {
        var algorithm = (hash.Algorithm ?? "").Trim().ToLowerInvariant();
        ReadOnlySpan<char> value = (hash.Hash?.Value ?? "").AsSpan().Trim();
        switch (algorithm)
        {
            case "argon2":
                return value.StartsWith("$argon2id$") ? "argon2id" : value.StartsWith("$argon2i$") ? "argon2i" : value.StartsWith("$argon2d$") ? "argon2d" : "argon2";
            case "hmac":
                return hash.Hash?.Digest is { } digest && LegacyDigests.TryParse(digest, out var kind) ? "hmac-" + LegacyDigests.Name(kind) : "hmac";
            case "ldap":
                var end = value.IndexOf('}');
                return value.StartsWith("{") && end > 1 && Labels.Of(value[1..end]) is var scheme && scheme[0] != '('
                    ? "ldap-" + scheme.ToLowerInvariant()
                    : "ldap";
            case "pbkdf2":
                if (value.StartsWith("$pbkdf2$"))
                {
                    return "pbkdf2-sha1";
                }

                if (value.StartsWith("$pbkdf2-"))
                {
                    var rest = value[1..];
                    var stop = rest.IndexOf('$');
                    return stop > 0 && LegacyDigests.TryParse(rest["pbkdf2-".Length..stop], out var phc) ? "pbkdf2-" + LegacyDigests.Name(phc) : "pbkdf2";
                }

                return LegacyDigests.TryParse(hash.Hash?.Digest ?? "sha1", out var raw) ? "pbkdf2-" + LegacyDigests.Name(raw) : "pbkdf2";
            case "crypt":
                return value.StartsWith("$1$") ? "md5-crypt" : value.StartsWith("$5$") ? "sha256-crypt" : value.StartsWith("$6$") ? "sha512-crypt" : value.StartsWith("$2") ? "bcrypt" : "crypt";
            case "django":
                var dollar = value.IndexOf('$');
                return dollar > 0 && DjangoAlgorithms.Contains(value[..dollar].ToString()) ? "django-" + value[..dollar].ToString() : "django";
            case "aspnet-identity":
                return value.StartsWith("AQ") ? "aspnet-identity-v3" : IsIdentityV2(value) ? "aspnet-identity-v2" : "aspnet-identity";
            case "aspnet-membership":
                return hash.Hash?.Digest is { } membershipDigest && Labels.Of(membershipDigest) is var label && label[0] != '('
                    ? "aspnet-membership-" + label.ToLowerInvariant()
                    : "aspnet-membership";
            case "":
                return "unknown";
            default:
                return Labels.Of(algorithm) is var name && name[0] != '(' ? name : "unknown";
        }
    }

    private static bool IsIdentityV2(ReadOnlySpan<char> hash) => hash.Length == 68 && hash[0] == 'A' && hash[1] is >= 'A' and <= 'P';

    private static LegacyPasswordHash Plain(string algorithm, string hash) =>
        new() { Algorithm = algorithm, Hash = new LegacyPasswordHash.HashPart { Value = hash } };

    private static void NoSalt(string name, string? salt)
    {
        if (!string.IsNullOrEmpty(salt))
        {
            throw new LegacyHashFormatException($"a {Labels.Of(name)} hash carries its own salt; leave the salt column empty");
        }
    }

    private static LegacyPasswordHash.SaltPart? Salt(string? salt, Dictionary<string, string> options) =>
        salt is null
            ? null
            : new LegacyPasswordHash.SaltPart { Value = salt, Encoding = Option(options, "saltencoding"), Position = Option(options, "saltposition") };

    private static string? Option(Dictionary<string, string> options, string name) => options.GetValueOrDefault(name);

    private static int Int(string text, string what) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new LegacyHashFormatException($"{what} is not a number");

    /// <summary>Parameter names without case or underscores; an unknown name is refused.</summary>
    private static Dictionary<string, string> Normalise(IReadOnlyDictionary<string, string>? parameters)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (parameters is null)
        {
            return result;
        }

        foreach (var (name, value) in parameters)
        {
            // Firebase's console names its parameters base64_signer_key and base64_salt_separator.
            var key = Key(name) switch
            {
                "base64signerkey" => "signerkey",
                "base64saltseparator" => "saltseparator",
                var other => other,
            };
            if (Array.IndexOf(KnownParameters, key) < 0)
            {
                throw new LegacyHashFormatException(
                    $"unknown hash parameter '{Labels.Of(name)}' (known: hash_encoding, salt_encoding, salt_position, password_encoding, digest, key, key_encoding, iterations, keylen, cost, block_size, parallelization, signer_key, salt_separator, rounds, mem_cost, factor)");
            }

            result[key] = value;
        }

        return result;
    }

    /// <summary>A parameter name compared without case, underscores or dashes.</summary>
    public static string Key(string name) => name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}
