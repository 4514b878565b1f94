using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// Verifies a password against a hash written by a legacy system: the one implementation behind scripts'
/// <c>crypto.verifyPassword</c>, bulk import's row check and the sign-in of a bulk-imported user.
/// </summary>
/// <remarks>
/// Every check of a hash's structure and work factor happens in one place (<c>Prepare</c>): <see cref="Check"/> runs it
/// alone, without hashing; <see cref="Verify(string, LegacyPasswordHash)"/> runs it, then hashes. The algorithms are
/// .NET's own primitives (MD5, SHA, HMAC, PBKDF2, AES), BouncyCastle (MD4, SHA-224, RIPEMD-160, Whirlpool, raw bcrypt,
/// scrypt) and Konscious (Argon2); only the formats' own constructions (crypt(3), phpass/Drupal, Firebase's
/// scrypt wrapping) are written here. Comparisons are constant-time.
/// </remarks>
public static class LegacyPasswordVerifier
{
    // Work-factor caps. A hash is data from the legacy database or an import file, and a crafted one must not pin a
    // core for minutes or allocate gigabytes at sign-in, at import or in a script. Each cap is above what real
    // legacy systems write, and applies to Check and to Verify alike.

    /// <summary>bcrypt cost (log2 of the rounds): 16 is ~4 s on one core; sites use 10–12, Auth0 itself 10.</summary>
    public const int MaxBcryptCost = 16;

    /// <summary>
    /// Iterations of every iterated construction: PBKDF2 (PHC, passlib, Django, ASP.NET Identity, FusionAuth),
    /// SHA-crypt rounds, phpass/Drupal's 2^n, FusionAuth's factor. Django 5 uses 1,000,000 for PBKDF2-SHA256 and
    /// passlib 656,000 sha512-crypt rounds; 2,000,000 leaves room and bounds a crafted hash to about a second.
    /// </summary>
    public const int MaxIterations = 2_000_000;

    /// <summary>
    /// PBKDF2 runs once per output block: iterations × ceil(length / digest size) at most this (four blocks at the
    /// iteration cap, e.g. Auth0's default 64-byte key over SHA-1).
    /// </summary>
    public const long MaxPbkdf2Work = 4L * MaxIterations;

    /// <summary>Derived keys and digests longer than this are not password hashes (PBKDF2 l, scrypt keylen, argon2's tag).</summary>
    public const int MaxDerivedKeyBytes = 1024;

    /// <summary>argon2 memory: 256 MiB (libsodium's "sensitive" level and PHP's defaults are below it).</summary>
    public const int MaxArgon2MemoryKib = 256 * 1024;

    /// <summary>argon2 passes (t): RFC 9106 recommends 1–3, PHP defaults to 4.</summary>
    public const int MaxArgon2Iterations = 16;

    /// <summary>argon2 lanes (p): Django uses 8.</summary>
    public const int MaxArgon2Parallelism = 16;

    /// <summary>argon2 memory × passes (KiB): four passes over the memory cap; bounds t=16 to 64 MiB.</summary>
    public const long MaxArgon2Work = 4L * MaxArgon2MemoryKib;

    /// <summary>scrypt memory (128·N·r bytes): 256 MiB.</summary>
    public const long MaxScryptMemoryBytes = Scrypt.MaxMemoryBytes;

    /// <summary>scrypt p: 16 (real hashes use 1).</summary>
    public const int MaxScryptParallelism = Scrypt.MaxParallelism;

    /// <summary>scrypt N·r·p: 2^22.</summary>
    public const long MaxScryptWork = Scrypt.MaxWork;

    /// <summary>Firebase rounds (scrypt r) and mem_cost (log2 N): Firebase's own limits, 8 and 14.</summary>
    public const int MaxFirebaseRounds = Scrypt.MaxFirebaseRounds;

    public const int MaxFirebaseMemCost = Scrypt.MaxFirebaseMemCost;

    /// <summary>A hash value longer than this (characters) is not a password hash; salts and keys are capped in bytes alike.</summary>
    public const int MaxHashLength = 4096;

    public const int MaxSaltBytes = 1024;

    /// <summary>Format names accepted by <see cref="Verify(string, string, string?)"/> (<see cref="LegacyPasswordHash.FromFormat"/>).</summary>
    public static IReadOnlyList<string> Formats => LegacyHashFormats.Names;

    /// <summary>Values of <see cref="LegacyPasswordHash.Algorithm"/> that can be verified.</summary>
    public static IReadOnlyList<string> Algorithms => LegacyHashFormats.Algorithms;

    /// <summary>
    /// Verifies a password against a stored legacy hash. Returns false for a wrong password; throws
    /// <see cref="LegacyHashFormatException"/> for a hash it cannot read or whose work factor is over a cap.
    /// </summary>
    public static bool Verify(string password, LegacyPasswordHash hash)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(hash);
        return Prepare(hash).Matches(password);
    }

    /// <summary>
    /// Verifies against a hash in a named format (<see cref="LegacyPasswordHash.FromFormat"/>; null: told by its
    /// prefix). Returns false for a wrong password; throws <see cref="LegacyHashFormatException"/> for a hash it
    /// cannot read.
    /// </summary>
    public static bool Verify(string password, string hash, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(hash);
        return Verify(password, LegacyPasswordHash.FromFormat(format ?? "auto", hash));
    }

    /// <summary>
    /// Checks, without a password and without hashing, that a hash can be verified: a known algorithm, every required
    /// field present and decodable, work factors within the caps. Throws <see cref="LegacyHashFormatException"/> whose
    /// message is the reason (never the hash). Cheap enough for every row of a bulk import.
    /// </summary>
    public static void Check(LegacyPasswordHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        Prepare(hash);
    }

    /// <summary>
    /// The memory (bytes) one verification of <paramref name="hash"/> allocates: 128·N·r for scrypt, m KiB for argon2,
    /// 0 for the formats that need only kilobytes. Checks the hash like <see cref="Check"/>, without hashing, so a
    /// caller can bound how many memory-hard verifications run at once before it starts one.
    /// </summary>
    public static long MemoryCost(LegacyPasswordHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return Prepare(hash).MemoryBytes;
    }

    /// <summary>Names the format of a self-describing hash by its prefix, or throws when the prefix does not tell.</summary>
    public static string Detect(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return LegacyHashFormats.Detect(hash);
    }

    internal static PreparedHash Prepare(LegacyPasswordHash hash)
    {
        var algorithm = hash.Algorithm?.Trim().ToLowerInvariant() ?? "";
        var value = hash.Hash?.Value?.Trim() ?? throw new LegacyHashFormatException("the hash has no value");
        if (value.Length == 0)
        {
            throw new LegacyHashFormatException("the hash is empty");
        }

        if (value.Length > MaxHashLength)
        {
            throw new LegacyHashFormatException($"the hash is longer than {MaxHashLength} characters");
        }

        var encoding = LegacyEncodings.ParsePasswordEncoding(hash.Password?.Encoding);
        switch (algorithm)
        {
            case "bcrypt":
                TextHash(hash, "bcrypt");
                var (saltBytes, suffix) = Salt(hash);
                return Bcrypt(value, encoding, saltBytes, suffix);
            case "argon2":
                TextHash(hash, "argon2");
                NoSalt(hash, "argon2", "its PHC string carries it");
                return Argon2(value, encoding);
            case "pbkdf2" when value.StartsWith('$'):
                TextHash(hash, "pbkdf2");
                NoSalt(hash, "pbkdf2", "its PHC string carries it");
                return Pbkdf2Phc(value, encoding);
            case "pbkdf2":
                return Pbkdf2Raw(hash, value, encoding);
            case "scrypt" when value.StartsWith("$scrypt$", StringComparison.Ordinal):
                TextHash(hash, "scrypt");
                NoSalt(hash, "scrypt", "its PHC string carries it");
                return ScryptPhc(value, encoding);
            case "scrypt":
                return ScryptAuth0(hash, value, encoding);
            case "hmac":
                return Hmac(hash, value, encoding);
            case "ldap":
                TextHash(hash, "ldap");
                NoSalt(hash, "ldap", "the {SCHEME} value carries it");
                return Ldap(value, encoding);
            case "firebase-scrypt":
                return Firebase(hash, value, encoding);
            case "crypt":
                TextHash(hash, "crypt");
                NoSalt(hash, "crypt", "the crypt string carries it");
                return Crypt(value, encoding);
            case "drupal7":
                TextHash(hash, "drupal7");
                NoSalt(hash, "drupal7", "the hash carries it");
                return Drupal(value, encoding);
            case "phpass":
                TextHash(hash, "phpass");
                NoSalt(hash, "phpass", "the hash carries it");
                return PhpassHash(value, encoding, preMd5: false);
            case "django":
                TextHash(hash, "django");
                NoSalt(hash, "django", "the hash carries it");
                return Django(value, encoding);
            case "aspnet-identity":
                TextHash(hash, "aspnet-identity");
                NoSalt(hash, "aspnet-identity", "the hash carries it");
                return AspNetIdentity(value, encoding);
            case "aspnet-membership":
                return Membership(hash, value);
            case "fusionauth-salted-md5" or "fusionauth-salted-sha256":
                return FusionAuthDigest(hash, value, encoding, algorithm.EndsWith("md5", StringComparison.Ordinal) ? DigestKind.Md5 : DigestKind.Sha256);
            default:
                if (LegacyDigests.TryParse(algorithm, out var kind) && algorithm == LegacyDigests.Name(kind))
                {
                    return Digest(hash, value, encoding, kind);
                }

                throw new LegacyHashFormatException(
                    $"unknown hash algorithm '{Labels.Of(algorithm)}' (supported: {string.Join(", ", LegacyHashFormats.Algorithms)})");
        }
    }

    // ---- Auth0's digests, hmac, pbkdf2, scrypt ----

    private static DigestHash Digest(LegacyPasswordHash hash, string value, PasswordEncoding encoding, DigestKind kind)
    {
        BinaryHash(hash, LegacyDigests.Name(kind));
        var expected = LegacyEncodings.Decode(value, hash.Hash.Encoding, "hash", fallback: null, length: LegacyDigests.Size(kind));
        ExpectLength(expected, LegacyDigests.Size(kind), LegacyDigests.Name(kind));
        var (salt, suffix) = Salt(hash);
        return new DigestHash { Encoding = encoding, Kind = kind, Expected = expected, Salt = salt, SaltSuffix = suffix };
    }

    private static HmacHash Hmac(LegacyPasswordHash hash, string value, PasswordEncoding encoding)
    {
        BinaryHash(hash, "hmac");
        var kind = LegacyDigests.Parse(hash.Hash.Digest ?? throw new LegacyHashFormatException("an hmac needs hash.digest"), "hash.digest");
        var key = hash.Hash.Key ?? throw new LegacyHashFormatException("an hmac needs hash.key");
        var keyBytes = LegacyEncodings.Decode(key.Value, key.Encoding, "hash.key");
        CapBytes(keyBytes, "hash.key");
        var expected = LegacyEncodings.Decode(value, hash.Hash.Encoding, "hash", fallback: null, length: LegacyDigests.Size(kind));
        ExpectLength(expected, LegacyDigests.Size(kind), "hmac-" + LegacyDigests.Name(kind));
        var (salt, suffix) = Salt(hash);
        return new HmacHash { Encoding = encoding, Kind = kind, Key = keyBytes, Expected = expected, Salt = salt, SaltSuffix = suffix };
    }

    // Auth0: $pbkdf2-<digest>$i=N,l=L$<B64 salt>$<B64 hash>, i and l defaulting to 100000 and 64.
    // passlib: $pbkdf2-<digest>$<rounds>$<ab64 salt>$<ab64 hash>, and $pbkdf2$ for SHA-1.
    private static Pbkdf2Hash Pbkdf2Phc(string value, PasswordEncoding encoding)
    {
        var parts = value.Split('$');
        if (parts.Length is not (4 or 5) || parts[0].Length != 0 || !parts[1].StartsWith("pbkdf2", StringComparison.Ordinal))
        {
            throw new LegacyHashFormatException("not a pbkdf2 PHC string ($pbkdf2-<digest>$i=<iterations>,l=<length>$<salt>$<hash>)");
        }

        var kind = parts[1] == "pbkdf2"
            ? DigestKind.Sha1
            : parts[1].StartsWith("pbkdf2-", StringComparison.Ordinal)
                ? LegacyDigests.Parse(parts[1]["pbkdf2-".Length..], "pbkdf2 digest")
                : throw new LegacyHashFormatException("not a pbkdf2 PHC string ($pbkdf2-<digest>$...)");
        int iterations = 100_000;
        int? length = null;
        if (parts.Length == 5)
        {
            if (parts[2].Contains('=', StringComparison.Ordinal))
            {
                foreach (var (name, text) in PhcParameters(parts[2]))
                {
                    switch (name)
                    {
                        case "i": iterations = Number(text, "pbkdf2 i"); break;
                        case "l": length = Number(text, "pbkdf2 l"); break;
                        default: throw new LegacyHashFormatException($"unknown pbkdf2 parameter '{Labels.Of(name)}' (i, l)");
                    }
                }
            }
            else
            {
                iterations = Number(parts[2], "pbkdf2 rounds");
            }
        }

        var salt = LegacyEncodings.TryBase64(parts[^2], out var s) ? s : throw new LegacyHashFormatException("the pbkdf2 salt is not valid base64");
        var expected = LegacyEncodings.TryBase64(parts[^1], out var e) ? e : throw new LegacyHashFormatException("the pbkdf2 hash is not valid base64");
        if (length is { } l && l != expected.Length)
        {
            throw new LegacyHashFormatException($"the pbkdf2 hash is {expected.Length} bytes but l={l}");
        }

        return Pbkdf2(kind, salt, iterations, expected, encoding);
    }

    // LazyMigrate's extension for hashes kept apart from their settings: hash (hex/base64), salt, parameters.iterations, hash.digest.
    private static Pbkdf2Hash Pbkdf2Raw(LegacyPasswordHash hash, string value, PasswordEncoding encoding)
    {
        BinaryHash(hash, "pbkdf2");
        var kind = LegacyDigests.Parse(hash.Hash.Digest ?? Parameter(hash, "digest") ?? "sha1", "pbkdf2 digest");
        var iterations = Parameter(hash, "iterations") is { } text
            ? Number(text, "pbkdf2 iterations")
            : throw new LegacyHashFormatException("a pbkdf2 hash that is not a PHC string needs parameters.iterations");
        if (hash.KeyLen is not null)
        {
            CheckDerivedLength(hash.KeyLen.Value, "keylen");
        }

        var expected = LegacyEncodings.Decode(value, hash.Hash.Encoding, "hash", fallback: null, length: hash.KeyLen);
        if (hash.KeyLen is { } keylen)
        {
            ExpectLength(expected, keylen, "pbkdf2");
        }

        var (salt, _) = Salt(hash);
        return Pbkdf2(kind, salt, iterations, expected, encoding);
    }

    private static Pbkdf2Hash Pbkdf2(DigestKind kind, byte[] salt, int iterations, byte[] expected, PasswordEncoding encoding)
    {
        CheckIterations(iterations, "pbkdf2 iterations");
        CheckDerivedLength(expected.Length, "pbkdf2 hash length");
        CapBytes(salt, "salt");
        var blocks = (expected.Length + LegacyDigests.Size(kind) - 1) / LegacyDigests.Size(kind);
        if ((long)iterations * blocks > MaxPbkdf2Work)
        {
            throw new LegacyHashFormatException($"pbkdf2 iterations × output blocks exceed {MaxPbkdf2Work}");
        }

        return new Pbkdf2Hash { Encoding = encoding, Kind = kind, Salt = salt, Iterations = iterations, Expected = expected };
    }

    // passlib / PHC: $scrypt$ln=16,r=8,p=1$salt$hash
    private static ScryptHash ScryptPhc(string value, PasswordEncoding encoding)
    {
        var parts = value.Split('$');
        if (parts.Length != 5)
        {
            throw new LegacyHashFormatException("not a scrypt PHC string ($scrypt$ln=..,r=..,p=..$salt$hash)");
        }

        long n = 0;
        int r = 8, p = 1;
        foreach (var (name, text) in PhcParameters(parts[2]))
        {
            switch (name)
            {
                case "ln":
                    var ln = Number(text, "scrypt ln");
                    n = ln is >= 1 and < 40 ? 1L << ln : throw new LegacyHashFormatException("scrypt ln is out of range");
                    break;
                case "r": r = Number(text, "scrypt r"); break;
                case "p": p = Number(text, "scrypt p"); break;
                default: throw new LegacyHashFormatException($"unknown scrypt parameter '{Labels.Of(name)}' (ln, r, p)");
            }
        }

        var salt = LegacyEncodings.TryBase64(parts[3], out var s) ? s : throw new LegacyHashFormatException("the scrypt salt is not valid base64");
        var expected = LegacyEncodings.TryBase64(parts[4], out var e) ? e : throw new LegacyHashFormatException("the scrypt hash is not valid base64");
        return Scrypted(salt, n == 0 ? throw new LegacyHashFormatException("scrypt ln is missing") : n, r, p, expected, encoding);
    }

    private static ScryptHash ScryptAuth0(LegacyPasswordHash hash, string value, PasswordEncoding encoding)
    {
        BinaryHash(hash, "scrypt");
        var keylen = hash.KeyLen ?? throw new LegacyHashFormatException("scrypt needs keylen");
        CheckDerivedLength(keylen, "scrypt keylen");
        var expected = LegacyEncodings.Decode(value, hash.Hash.Encoding, "hash", fallback: null, length: keylen);
        ExpectLength(expected, keylen, "scrypt");
        var (salt, _) = Salt(hash);
        return Scrypted(salt, hash.Cost ?? 16384, hash.BlockSize ?? 8, hash.Parallelization ?? 1, expected, encoding);
    }

    private static ScryptHash Scrypted(byte[] salt, long n, int r, int p, byte[] expected, PasswordEncoding encoding)
    {
        Scrypt.CheckParameters(n, r, p);
        CapBytes(salt, "salt");
        CheckDerivedLength(expected.Length, "scrypt hash length");
        return new ScryptHash { Encoding = encoding, Salt = salt, N = n, R = r, P = p, Expected = expected };
    }

    // ---- bcrypt, argon2 ----

    private static BcryptHash Bcrypt(string value, PasswordEncoding encoding, byte[]? extraSalt = null, bool saltSuffix = false, BcryptHash.PreHash preHash = BcryptHash.PreHash.None)
    {
        // $2a$10$ + 22 characters of salt + 31 of hash
        if (value.Length != 60 || value[0] != '$' || value[3] != '$' || value[6] != '$' || value[1] != '2')
        {
            throw new LegacyHashFormatException(value.StartsWith("$2", StringComparison.Ordinal)
                ? "not a bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters of salt and hash)"
                : "not a bcrypt hash ($2a$, $2b$ or $2y$)");
        }

        if (value[2] is not ('a' or 'b' or 'y'))
        {
            throw new LegacyHashFormatException($"bcrypt ${Labels.Of(value.AsSpan(1, 2))}$ is not supported ($2a$, $2b$, $2y$ are; $2x$ is crypt_blowfish's sign-extension bug)");
        }

        if (!int.TryParse(value.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var cost) || cost is < 4 or > 31)
        {
            throw new LegacyHashFormatException("the bcrypt cost is not within 4..31");
        }

        if (cost > MaxBcryptCost)
        {
            throw new LegacyHashFormatException($"bcrypt cost {cost} is above the cap of {MaxBcryptCost}");
        }

        var salt = new byte[16];
        var expected = new byte[23];
        if (!LegacyEncodings.TryBcryptBase64(value.AsSpan(7, 22), salt) || !LegacyEncodings.TryBcryptBase64(value.AsSpan(29, 31), expected))
        {
            throw new LegacyHashFormatException("the bcrypt salt or hash is not in bcrypt's base64");
        }

        return new BcryptHash { Encoding = encoding, Cost = cost, Salt = salt, Expected = expected, ExtraSalt = extraSalt ?? [], SaltSuffix = saltSuffix, Pre = preHash };
    }

    // $argon2id$v=19$m=65536,t=3,p=4$salt$hash (PHC, unpadded base64)
    private static Argon2Hash Argon2(string value, PasswordEncoding encoding)
    {
        var parts = value.Split('$');
        if (parts.Length == 5 && parts[0].Length == 0 && parts[1].StartsWith("argon2", StringComparison.Ordinal))
        {
            throw new LegacyHashFormatException("argon2 version 1.0 (no v=19) is not supported");
        }

        if (parts.Length != 6 || parts[0].Length != 0 || !parts[1].StartsWith("argon2", StringComparison.Ordinal))
        {
            throw new LegacyHashFormatException("not an argon2 PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$hash)");
        }

        var type = parts[1] switch
        {
            "argon2id" => Argon2Hash.Variant.Id,
            "argon2i" => Argon2Hash.Variant.I,
            "argon2d" => Argon2Hash.Variant.D,
            _ => throw new LegacyHashFormatException($"unknown argon2 variant '{Labels.Of(parts[1])}' (argon2id, argon2i, argon2d)"),
        };
        if (parts[2] != "v=19")
        {
            throw new LegacyHashFormatException("only argon2 version 19 (v=19) is supported");
        }

        int? m = null, t = null, p = null;
        foreach (var (name, text) in PhcParameters(parts[3]))
        {
            switch (name)
            {
                case "m": m = Number(text, "argon2 m"); break;
                case "t": t = Number(text, "argon2 t"); break;
                case "p": p = Number(text, "argon2 p"); break;
                default: throw new LegacyHashFormatException($"argon2 parameter '{Labels.Of(name)}' is not supported (m, t, p)");
            }
        }

        if (m is null || t is null || p is null)
        {
            throw new LegacyHashFormatException("argon2 needs m, t and p");
        }

        if (p is < 1 or > MaxArgon2Parallelism)
        {
            throw new LegacyHashFormatException($"argon2 p={p} is outside 1..{MaxArgon2Parallelism}");
        }

        if (m < 8 * p || m > MaxArgon2MemoryKib)
        {
            throw new LegacyHashFormatException($"argon2 m={m} KiB is outside 8·p..{MaxArgon2MemoryKib}");
        }

        if (t is < 1 or > MaxArgon2Iterations)
        {
            throw new LegacyHashFormatException($"argon2 t={t} is outside 1..{MaxArgon2Iterations}");
        }

        if ((long)m.Value * t.Value > MaxArgon2Work)
        {
            throw new LegacyHashFormatException($"argon2 m·t exceeds {MaxArgon2Work} KiB");
        }

        var salt = LegacyEncodings.TryBase64(parts[4], out var s) ? s : throw new LegacyHashFormatException("the argon2 salt is not valid base64");
        var expected = LegacyEncodings.TryBase64(parts[5], out var e) ? e : throw new LegacyHashFormatException("the argon2 hash is not valid base64");
        if (salt.Length is < 8 or > MaxSaltBytes)
        {
            throw new LegacyHashFormatException("the argon2 salt is shorter than 8 bytes or too long");
        }

        if (expected.Length is < 4 or > MaxDerivedKeyBytes)
        {
            throw new LegacyHashFormatException("the argon2 hash length is outside 4..1024 bytes");
        }

        return new Argon2Hash { Encoding = encoding, Type = type, Memory = m.Value, Iterations = t.Value, Parallelism = p.Value, Salt = salt, Expected = expected };
    }

    // ---- LDAP (RFC 2307 userPassword) ----

    private static PreparedHash Ldap(string value, PasswordEncoding encoding)
    {
        var end = value.IndexOf('}', StringComparison.Ordinal);
        if (!value.StartsWith('{') || end < 2)
        {
            throw new LegacyHashFormatException("not an LDAP {SCHEME} hash");
        }

        var scheme = value[1..end].ToUpperInvariant();
        var rest = value[(end + 1)..];
        if (scheme == "CRYPT")
        {
            return Crypt(rest, encoding);
        }

        if (scheme == "PKCS5S2")
        {
            // Atlassian (Crowd, Jira, Confluence): base64(16-byte salt ‖ PBKDF2-HMAC-SHA1(password, salt, 10000, 32)).
            var pkcs = LegacyEncodings.TryBase64(rest, out var raw) && raw.Length == 48 ? raw : throw new LegacyHashFormatException("a {PKCS5S2} hash is the base64 of 48 bytes");
            return Pbkdf2(DigestKind.Sha1, pkcs[..16], 10_000, pkcs[16..], encoding);
        }

        var (kind, salted) = scheme switch
        {
            "SHA" or "SHA1" => (DigestKind.Sha1, false),
            "SSHA" or "SSHA1" => (DigestKind.Sha1, true),
            "MD5" => (DigestKind.Md5, false),
            "SMD5" => (DigestKind.Md5, true),
            "SHA256" => (DigestKind.Sha256, false),
            "SSHA256" => (DigestKind.Sha256, true),
            "SHA384" => (DigestKind.Sha384, false),
            "SSHA384" => (DigestKind.Sha384, true),
            "SHA512" => (DigestKind.Sha512, false),
            "SSHA512" => (DigestKind.Sha512, true),
            _ => throw new LegacyHashFormatException(
                $"unsupported LDAP scheme {{{Labels.Of(scheme)}}} (SHA, SSHA, SHA256, SSHA256, SHA384, SSHA384, SHA512, SSHA512, MD5, SMD5, CRYPT, PKCS5S2)"),
        };
        var decoded = LegacyEncodings.TryBase64(rest, out var bytes) ? bytes : throw new LegacyHashFormatException("the LDAP hash is not valid base64");
        var size = LegacyDigests.Size(kind);
        if (salted ? decoded.Length <= size : decoded.Length != size)
        {
            throw new LegacyHashFormatException($"the {{{scheme}}} hash has the wrong length");
        }

        var salt = decoded[size..];
        CapBytes(salt, "LDAP salt");
        return new DigestHash { Encoding = encoding, Kind = kind, Expected = decoded[..size], Salt = salt, SaltSuffix = true };
    }

    // ---- crypt(3), phpass, Drupal 7 ----

    private static PreparedHash Crypt(string value, PasswordEncoding encoding)
    {
        if (value.StartsWith("$2", StringComparison.Ordinal))
        {
            return Bcrypt(value, encoding);
        }

        var md5 = value.StartsWith("$1$", StringComparison.Ordinal);
        var sha512 = value.StartsWith("$6$", StringComparison.Ordinal);
        if (!md5 && !sha512 && !value.StartsWith("$5$", StringComparison.Ordinal))
        {
            throw new LegacyHashFormatException("not a supported crypt(3) hash ($1$, $5$, $6$ or bcrypt; DES crypt is not supported)");
        }

        var rest = value.AsSpan(3);
        var rounds = UnixCrypt.ShaCryptDefaultRounds;
        if (!md5 && rest.StartsWith("rounds="))
        {
            var stop = rest.IndexOf('$');
            if (stop < 0 || !int.TryParse(rest["rounds=".Length..stop], NumberStyles.None, CultureInfo.InvariantCulture, out rounds))
            {
                throw new LegacyHashFormatException("the sha-crypt rounds= cannot be read");
            }

            if (rounds < UnixCrypt.ShaCryptMinRounds)
            {
                throw new LegacyHashFormatException($"sha-crypt rounds below {UnixCrypt.ShaCryptMinRounds} are not written by crypt(3)");
            }

            CheckIterations(rounds, "sha-crypt rounds");
            rest = rest[(stop + 1)..];
        }

        var separator = rest.LastIndexOf('$');
        var maxSalt = md5 ? 8 : UnixCrypt.MaxSaltLength;
        var digestLength = md5 ? 22 : sha512 ? 86 : 43;
        if (separator < 0 || separator > maxSalt || rest[..separator].IndexOfAny('$', ':', '\n') >= 0 || rest.Length - separator - 1 != digestLength)
        {
            throw new LegacyHashFormatException($"not a {(md5 ? "md5-crypt" : sha512 ? "sha512-crypt" : "sha256-crypt")} hash (salt of at most {maxSalt} characters, {digestLength} characters of hash)");
        }

        if (!LegacyEncodings.IsCrypt64(rest[(separator + 1)..]))
        {
            throw new LegacyHashFormatException("the crypt hash is not in crypt's base64");
        }

        return new CryptHash
        {
            Encoding = encoding,
            Kind = md5 ? CryptHash.Variant.Md5 : sha512 ? CryptHash.Variant.Sha512 : CryptHash.Variant.Sha256,
            Salt = System.Text.Encoding.UTF8.GetBytes(rest[..separator].ToString()),
            Rounds = md5 ? 1000 : rounds,
            Expected = System.Text.Encoding.ASCII.GetBytes(rest[(separator + 1)..].ToString()),
        };
    }

    private static PhpassPrepared PhpassHash(string value, PasswordEncoding encoding, bool preMd5)
    {
        var sha512 = value.StartsWith("$S$", StringComparison.Ordinal);
        if (!sha512 && !value.StartsWith("$P$", StringComparison.Ordinal) && !value.StartsWith("$H$", StringComparison.Ordinal))
        {
            throw new LegacyHashFormatException("not a phpass portable hash ($P$ or $H$) nor a Drupal 7 $S$ hash");
        }

        if (value.Length != (sha512 ? Phpass.DrupalHashLength : 34))
        {
            throw new LegacyHashFormatException(sha512 ? "a Drupal 7 $S$ hash has 55 characters" : "a phpass hash has 34 characters");
        }

        var log2 = LegacyEncodings.CryptAlphabet.IndexOf(value[3], StringComparison.Ordinal);
        if (log2 is < Phpass.MinLog2 or > Phpass.MaxLog2)
        {
            throw new LegacyHashFormatException("the phpass iteration count is outside 2^7..2^30");
        }

        if (1L << log2 > MaxIterations)
        {
            throw new LegacyHashFormatException($"the phpass iteration count 2^{log2} is above the cap of {MaxIterations}");
        }

        if (!LegacyEncodings.IsCrypt64(value.AsSpan(4)))
        {
            throw new LegacyHashFormatException("the phpass salt or hash is not in crypt's base64");
        }

        return new PhpassPrepared { Encoding = encoding, Sha512 = sha512, Expected = value, PreMd5 = preMd5 };
    }

    // Drupal 7 user_check_password: $S$ (SHA-512), $P$/$H$ (phpass MD5), and U$… for hashes of md5(password) from Drupal 6.
    private static PhpassPrepared Drupal(string value, PasswordEncoding encoding) =>
        value.StartsWith("U$", StringComparison.Ordinal)
            ? PhpassHash(value[1..], encoding, preMd5: true)
            : PhpassHash(value, encoding, preMd5: false);

    // ---- Django ----

    private static PreparedHash Django(string value, PasswordEncoding encoding)
    {
        var dollar = value.IndexOf('$', StringComparison.Ordinal);
        var algorithm = dollar > 0 ? value[..dollar] : "";
        switch (algorithm)
        {
            case "argon2":
                return Argon2(value[dollar..], encoding);
            case "bcrypt" when value.StartsWith("bcrypt$$", StringComparison.Ordinal):
                return Bcrypt(value["bcrypt$".Length..], encoding);
            case "bcrypt_sha256" when value.StartsWith("bcrypt_sha256$$", StringComparison.Ordinal):
                return Bcrypt(value["bcrypt_sha256$".Length..], encoding, preHash: BcryptHash.PreHash.Sha256Hex);
            case "crypt":
                throw new LegacyHashFormatException("Django's crypt hasher (DES crypt) is not supported");
        }

        var parts = value.Split('$');
        switch (algorithm)
        {
            case "pbkdf2_sha256" or "pbkdf2_sha1" when parts.Length == 4:
                var expected = LegacyEncodings.TryBase64(parts[3], out var e) ? e : throw new LegacyHashFormatException("the Django hash is not valid base64");
                return Pbkdf2(algorithm == "pbkdf2_sha256" ? DigestKind.Sha256 : DigestKind.Sha1, System.Text.Encoding.UTF8.GetBytes(parts[2]), Number(parts[1], "Django iterations"), expected, encoding);
            case "scrypt" when parts.Length == 6:
                // scrypt$<N>$<salt>$<r>$<p>$<base64 hash>
                var scrypted = LegacyEncodings.TryBase64(parts[5], out var h) ? h : throw new LegacyHashFormatException("the Django hash is not valid base64");
                return Scrypted(System.Text.Encoding.UTF8.GetBytes(parts[2]), Number(parts[1], "Django scrypt N"), Number(parts[3], "Django scrypt r"), Number(parts[4], "Django scrypt p"), scrypted, encoding);
            case "sha1" or "md5" when parts.Length == 3:
                // sha1$<salt>$<hex of sha1(salt + password)>; sha1$$<hex> and md5$$<hex> are Django's unsalted forms
                var kind = algorithm.EndsWith("sha1", StringComparison.Ordinal) ? DigestKind.Sha1 : DigestKind.Md5;
                var digest = LegacyEncodings.TryHex(parts[2], out var d) && d.Length == LegacyDigests.Size(kind)
                    ? d
                    : throw new LegacyHashFormatException("the Django hash is not the hex of its digest");
                return new DigestHash { Encoding = encoding, Kind = kind, Expected = digest, Salt = System.Text.Encoding.UTF8.GetBytes(parts[1]), SaltSuffix = false };
            default:
                throw new LegacyHashFormatException(
                    $"not a supported Django hash '{Labels.Of(algorithm)}' (pbkdf2_sha256, pbkdf2_sha1, argon2, bcrypt, bcrypt_sha256, scrypt, sha1, md5)");
        }
    }

    // ---- ASP.NET ----

    /// <summary>ASP.NET Identity PasswordHasher: v2 (0x00, PBKDF2-HMAC-SHA1 ×1000) and v3 (0x01, PRF/iterations/salt in the header).</summary>
    private static Pbkdf2Hash AspNetIdentity(string value, PasswordEncoding encoding)
    {
        var decoded = LegacyEncodings.TryBase64(value, out var bytes) ? bytes : throw new LegacyHashFormatException("the ASP.NET Identity hash is not valid base64");
        if (decoded.Length == 49 && decoded[0] == 0x00)
        {
            return Pbkdf2(DigestKind.Sha1, decoded[1..17], 1000, decoded[17..], encoding);
        }

        if (decoded.Length >= 13 && decoded[0] == 0x01)
        {
            var prf = BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(1));
            var iterations = BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(5));
            var saltLength = BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(9));

            // PasswordHasher's own rules: salt and subkey of at least 128 bits.
            if (saltLength < 16 || saltLength > decoded.Length - 13 - 16)
            {
                throw new LegacyHashFormatException("the ASP.NET Identity v3 header is invalid");
            }

            var kind = prf switch
            {
                0 => DigestKind.Sha1,
                1 => DigestKind.Sha256,
                2 => DigestKind.Sha512,
                _ => throw new LegacyHashFormatException("unknown ASP.NET Identity PRF"),
            };
            if (iterations > MaxIterations)
            {
                throw new LegacyHashFormatException($"pbkdf2 iterations must be within 1..{MaxIterations}");
            }

            return Pbkdf2(kind, decoded[13..(13 + (int)saltLength)], (int)iterations, decoded[(13 + (int)saltLength)..], encoding);
        }

        throw new LegacyHashFormatException("not an ASP.NET Identity v2 or v3 hash");
    }

    /// <summary>
    /// ASP.NET Membership (SqlMembershipProvider, passwordFormat Hashed): the password as UTF-16LE, hashed with the
    /// salt in front (SHA1 ... SHA512), or HMAC'd with the salt as the key, stretched or cut to the HMAC's default
    /// key size (64 bytes; 128 for HMACSHA384/512), as System.Web's EncodePassword does.
    /// </summary>
    private static PreparedHash Membership(LegacyPasswordHash hash, string value)
    {
        var encoding = hash.Password?.Encoding is null ? PasswordEncoding.Utf16Le : LegacyEncodings.ParsePasswordEncoding(hash.Password.Encoding);
        var expected = LegacyEncodings.Decode(value, hash.Hash.Encoding, "hash", fallback: "base64");
        var salt = hash.Salt is { } part
            ? LegacyEncodings.Decode(part.Value, part.Encoding, "salt", fallback: "base64")
            : throw new LegacyHashFormatException("an ASP.NET Membership hash needs its PasswordSalt");
        CapBytes(salt, "salt");
        var digest = hash.Hash.Digest?.Trim().ToLowerInvariant() ?? expected.Length switch
        {
            20 => "sha1",
            32 => "hmacsha256",
            _ => throw new LegacyHashFormatException("name the site's hashAlgorithmType in hash.digest (a hash of this length is neither SHA1 nor HMACSHA256)"),
        };
        if (digest.StartsWith("hmac", StringComparison.Ordinal))
        {
            var kind = LegacyDigests.Parse(digest["hmac".Length..], "hashAlgorithmType");
            ExpectLength(expected, LegacyDigests.Size(kind), "ASP.NET Membership " + digest);
            var key = new byte[kind is DigestKind.Sha384 or DigestKind.Sha512 ? 128 : 64];
            if (salt.Length == 0)
            {
                throw new LegacyHashFormatException("the membership salt is empty");
            }

            if (salt.Length == key.Length || salt.Length > key.Length)
            {
                key = salt.Length == key.Length ? salt : salt[..key.Length];
            }
            else
            {
                for (var offset = 0; offset < key.Length; offset += salt.Length)
                {
                    salt.AsSpan(0, Math.Min(salt.Length, key.Length - offset)).CopyTo(key.AsSpan(offset));
                }
            }

            return new HmacHash { Encoding = encoding, Kind = kind, Key = key, Expected = expected, Salt = [], SaltSuffix = false };
        }

        var plain = LegacyDigests.Parse(digest, "hashAlgorithmType");
        ExpectLength(expected, LegacyDigests.Size(plain), "ASP.NET Membership " + digest);
        return new DigestHash { Encoding = encoding, Kind = plain, Expected = expected, Salt = salt, SaltSuffix = false };
    }

    // ---- Firebase, FusionAuth ----

    private static FirebaseHash Firebase(LegacyPasswordHash hash, string value, PasswordEncoding encoding)
    {
        var expected = LegacyEncodings.Decode(value, hash.Hash.Encoding, "hash", fallback: "base64");
        var salt = hash.Salt is { } part
            ? LegacyEncodings.Decode(part.Value, part.Encoding, "salt", fallback: "base64")
            : throw new LegacyHashFormatException("a Firebase scrypt hash needs its salt");
        var signerKey = LegacyEncodings.Base64(Parameter(hash, "signer_key") ?? throw new LegacyHashFormatException("a Firebase scrypt hash needs parameters.signer_key"), "signer_key");
        var separator = LegacyEncodings.Base64(Parameter(hash, "salt_separator") ?? "", "salt_separator");
        var rounds = Number(Parameter(hash, "rounds") ?? throw new LegacyHashFormatException("a Firebase scrypt hash needs parameters.rounds"), "rounds");
        var memCost = Number(Parameter(hash, "mem_cost") ?? throw new LegacyHashFormatException("a Firebase scrypt hash needs parameters.mem_cost"), "mem_cost");
        if (rounds is < 1 or > Scrypt.MaxFirebaseRounds || memCost is < 1 or > Scrypt.MaxFirebaseMemCost)
        {
            throw new LegacyHashFormatException($"Firebase rounds must be within 1..{Scrypt.MaxFirebaseRounds} and mem_cost within 1..{Scrypt.MaxFirebaseMemCost}");
        }

        Scrypt.CheckParameters(1L << memCost, rounds, 1);
        CapBytes(salt, "salt");
        CapBytes(signerKey, "signer_key");
        if (signerKey.Length == 0 || expected.Length != signerKey.Length)
        {
            throw new LegacyHashFormatException("a Firebase scrypt hash is as long as the project's signer key");
        }

        return new FirebaseHash { Encoding = encoding, SaltAndSeparator = [.. salt, .. separator], Rounds = rounds, MemCost = memCost, SignerKey = signerKey, Expected = expected };
    }

    // FusionAuth salted-md5 / salted-sha256: H applied `factor` times to password ‖ salt (base64 salt and hash).
    private static DigestHash FusionAuthDigest(LegacyPasswordHash hash, string value, PasswordEncoding encoding, DigestKind kind)
    {
        var factor = Number(Parameter(hash, "factor") ?? "1", "factor");
        if (factor < 1)
        {
            throw new LegacyHashFormatException("the FusionAuth factor must be at least 1");
        }

        CheckIterations(factor, "FusionAuth factor");
        var expected = LegacyEncodings.Decode(value, hash.Hash.Encoding, "hash", fallback: "base64");
        ExpectLength(expected, LegacyDigests.Size(kind), hash.Algorithm);
        var salt = hash.Salt is { } part ? LegacyEncodings.Decode(part.Value, part.Encoding, "salt", fallback: "base64") : [];
        CapBytes(salt, "salt");
        var suffix = hash.Salt?.Position is null || Position(hash.Salt.Position);
        return new DigestHash { Encoding = encoding, Kind = kind, Expected = expected, Salt = salt, SaltSuffix = suffix, Iterations = factor };
    }

    // ---- shared checks ----

    /// <summary>The salt's bytes and whether it follows the password (Auth0: salt.encoding utf8, salt.position prefix by default).</summary>
    private static (byte[] Salt, bool Suffix) Salt(LegacyPasswordHash hash)
    {
        if (hash.Salt is not { } salt)
        {
            return ([], false);
        }

        var bytes = LegacyEncodings.Decode(salt.Value, salt.Encoding, "salt");
        CapBytes(bytes, "salt");
        return (bytes, salt.Position is not null && Position(salt.Position));
    }

    private static bool Position(string position) => position.Trim().ToLowerInvariant() switch
    {
        "prefix" => false,
        "suffix" => true,
        _ => throw new LegacyHashFormatException($"unknown salt.position '{Labels.Of(position)}' (prefix, suffix)"),
    };

    /// <summary>Auth0: argon2, bcrypt, ldap and pbkdf2 values are strings (hash.encoding utf8).</summary>
    private static void TextHash(LegacyPasswordHash hash, string algorithm)
    {
        if (hash.Hash.Encoding is { } encoding && !encoding.Trim().Equals("utf8", StringComparison.OrdinalIgnoreCase) && !encoding.Trim().Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            throw new LegacyHashFormatException($"hash.encoding must be utf8 for {algorithm} (its value is the hash string)");
        }
    }

    /// <summary>Auth0: digests, hmac and scrypt values are bytes, written in hex or base64.</summary>
    private static void BinaryHash(LegacyPasswordHash hash, string algorithm)
    {
        if (hash.Hash.Encoding is { } encoding && encoding.Trim().ToLowerInvariant() is not ("hex" or "base64" or "base64url"))
        {
            throw new LegacyHashFormatException($"hash.encoding must be hex or base64 for {algorithm}");
        }
    }

    private static void NoSalt(LegacyPasswordHash hash, string algorithm, string why)
    {
        if (hash.Salt is not null)
        {
            throw new LegacyHashFormatException($"salt is not allowed with {algorithm}: {why}");
        }
    }

    private static void ExpectLength(byte[] bytes, int length, string what)
    {
        if (bytes.Length != length)
        {
            throw new LegacyHashFormatException($"a {what} hash is {length} bytes, not {bytes.Length}");
        }
    }

    private static void CapBytes(byte[] bytes, string what)
    {
        if (bytes.Length > MaxSaltBytes)
        {
            throw new LegacyHashFormatException($"the {what} is longer than {MaxSaltBytes} bytes");
        }
    }

    private static void CheckDerivedLength(int length, string what)
    {
        if (length is < 1 or > MaxDerivedKeyBytes)
        {
            throw new LegacyHashFormatException($"{what} must be within 1..{MaxDerivedKeyBytes}");
        }
    }

    private static void CheckIterations(int iterations, string what)
    {
        if (iterations is < 1 or > MaxIterations)
        {
            throw new LegacyHashFormatException($"{what} must be within 1..{MaxIterations}");
        }
    }

    private static string? Parameter(LegacyPasswordHash hash, string name)
    {
        if (hash.Parameters is not { Count: > 0 } parameters)
        {
            return null;
        }

        if (parameters.TryGetValue(name, out var exact))
        {
            return exact;
        }

        var key = LegacyHashFormats.Key(name);
        foreach (var (candidate, value) in parameters)
        {
            if (LegacyHashFormats.Key(candidate) == key)
            {
                return value;
            }
        }

        return null;
    }

    private static IEnumerable<(string Name, string Value)> PhcParameters(string text)
    {
        foreach (var pair in text.Split(','))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new LegacyHashFormatException("a PHC parameter cannot be read");
            }

            yield return (pair[..separator], pair[(separator + 1)..]);
        }
    }

    private static int Number(string value, string what) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new LegacyHashFormatException($"{what} is not a number");

    // ---- the host API's helpers (crypto.hash/hmac/pbkdf2 in scripts and the Node compat modules) ----

    internal static byte[] Digest(string algorithm, byte[] data) => LegacyDigests.Hash(LegacyDigests.Parse(algorithm, "digest"), data);

    internal static byte[] Hmac(string algorithm, byte[] key, byte[] data) => LegacyDigests.Hmac(LegacyDigests.Parse(algorithm, "HMAC digest"), key, data);

    internal static byte[] Pbkdf2(string digest, byte[] password, byte[] salt, int iterations, int length)
    {
        CheckPbkdf2Iterations(iterations);
        var kind = LegacyDigests.Parse(digest, "pbkdf2 digest");
        var blocks = (length + LegacyDigests.Size(kind) - 1) / LegacyDigests.Size(kind);
        if ((long)iterations * blocks > MaxPbkdf2Work)
        {
            throw new LegacyHashFormatException($"pbkdf2 iterations × output blocks exceed {MaxPbkdf2Work}");
        }

        var result = new byte[length];
        LegacyDigests.Pbkdf2(kind, password, salt, iterations, result);
        return result;
    }

    internal static void CheckPbkdf2Iterations(int iterations) => CheckIterations(iterations, "pbkdf2 iterations");

    internal static byte[] Decode(string value, string encoding, string what) => LegacyEncodings.Decode(value, encoding, what);
}
