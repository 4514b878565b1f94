using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// A password hash written by a legacy system, with everything needed to check a password against it: the shape of
/// Auth0's <c>custom_password_hash</c> (algorithm, hash, salt, password encoding, key length and work factors), which
/// also carries the self-describing strings (bcrypt, PHC, crypt(3), Django, ...) in <see cref="Hash"/>'s value.
/// Bulk import stores it on the user until the first successful sign-in replaces it with a native hash; scripts
/// pass the same descriptor to <c>crypto.verifyPassword</c>. <see cref="LegacyPasswordVerifier"/> checks passwords
/// against it.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Algorithm"/> is one of Auth0's (argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2,
/// scrypt), read and written exactly as Auth0 documents them, or one of the formats Auth0 has no name for:
/// firebase-scrypt, crypt ($1$, $5$, $6$), drupal7, phpass, django, aspnet-identity, aspnet-membership,
/// fusionauth-salted-md5, fusionauth-salted-sha256, and the digests sha224, sha384, ripemd160 and whirlpool.
/// What those need beyond Auth0's fields is in <see cref="Parameters"/>; see <see cref="LegacyPasswordVerifier"/>.
/// </para>
/// <para>Building one checks only its JSON shape; <see cref="LegacyPasswordVerifier.Check"/> checks that it can be verified.</para>
/// </remarks>
public sealed record LegacyPasswordHash
{
    /// <summary>Auth0's algorithm names (argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2, scrypt) and the other supported formats.</summary>
    public required string Algorithm { get; init; }

    public required HashPart Hash { get; init; }

    public SaltPart? Salt { get; init; }

    public PasswordPart? Password { get; init; }

    /// <summary>scrypt's derived key length (Auth0's <c>keylen</c>; also a raw pbkdf2 hash's length).</summary>
    [JsonPropertyName("keylen")]
    public int? KeyLen { get; init; }

    /// <summary>scrypt's N (CPU/memory cost; Auth0's default 16384).</summary>
    public long? Cost { get; init; }

    /// <summary>scrypt's r (Auth0's default 8).</summary>
    public int? BlockSize { get; init; }

    /// <summary>scrypt's p (Auth0's default 1).</summary>
    public int? Parallelization { get; init; }

    /// <summary>
    /// Format-specific parameters Auth0's schema has no field for: Firebase's <c>signer_key</c>,
    /// <c>salt_separator</c> (base64), <c>rounds</c> and <c>mem_cost</c>; FusionAuth's <c>factor</c>; a raw pbkdf2
    /// hash's <c>iterations</c>. Written to Auth0's JSON as <c>parameters</c> (a LazyMigrate extension).
    /// </summary>
    public Dictionary<string, string>? Parameters { get; init; }

    /// <summary>The hash's value and how it is written.</summary>
    public sealed record HashPart
    {
        public required string Value { get; init; }

        /// <summary>base64, hex or utf8.</summary>
        public string? Encoding { get; init; }

        /// <summary>The digest of an hmac (or of a raw pbkdf2 hash, or ASP.NET Membership's hashAlgorithmType).</summary>
        public string? Digest { get; init; }

        /// <summary>The key of an hmac.</summary>
        public KeyPart? Key { get; init; }
    }

    public sealed record KeyPart
    {
        public required string Value { get; init; }

        /// <summary>base64, hex or utf8 (the default).</summary>
        public string? Encoding { get; init; }
    }

    public sealed record SaltPart
    {
        public required string Value { get; init; }

        /// <summary>base64, hex or utf8 (the default).</summary>
        public string? Encoding { get; init; }

        /// <summary>prefix (the default) or suffix.</summary>
        public string? Position { get; init; }
    }

    public sealed record PasswordPart
    {
        /// <summary>ascii, utf8 (the default), utf16le, ucs2, latin1 or binary.</summary>
        public string? Encoding { get; init; }
    }

    /// <summary>
    /// The name shown to administrators and counted by imports (never the hash): the algorithm with the variant
    /// where it matters, e.g. <c>md5</c>, <c>hmac-sha256</c>, <c>pbkdf2-sha512</c>, <c>argon2id</c>,
    /// <c>ldap-ssha384</c>, <c>sha512-crypt</c>, <c>django-pbkdf2_sha256</c>, <c>aspnet-identity-v3</c>,
    /// <c>firebase-scrypt</c>, <c>fusionauth-salted-sha256</c>. Cheap, and never throws.
    /// </summary>
    [JsonIgnore]
    public string Format => LegacyHashFormats.Describe(this);

    /// <summary>Auth0's <c>password_hash</c> field: a bcrypt string ($2a$, $2b$ or $2y$).</summary>
    public static LegacyPasswordHash FromBcrypt(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return new() { Algorithm = "bcrypt", Hash = new HashPart { Value = hash.Trim() } };
    }

    /// <summary>
    /// Reads Auth0's <c>custom_password_hash</c> object exactly as Auth0 documents it (property names matched
    /// without regard to case; a property Auth0 does not define is refused, as Auth0 refuses it, except LazyMigrate's
    /// <c>parameters</c>). Throws <see cref="LegacyHashFormatException"/> when it cannot.
    /// </summary>
    public static LegacyPasswordHash FromAuth0(JsonNode customPasswordHash)
    {
        ArgumentNullException.ThrowIfNull(customPasswordHash);
        var root = customPasswordHash as JsonObject ?? throw new LegacyHashFormatException("custom_password_hash must be an object");
        string? algorithm = null;
        HashPart? hash = null;
        SaltPart? salt = null;
        PasswordPart? password = null;
        int? keylen = null, blockSize = null, parallelization = null;
        long? cost = null;
        Dictionary<string, string>? parameters = null;
        foreach (var (name, value) in root)
        {
            if (value is null)
            {
                continue;
            }

            switch (name.ToLowerInvariant())
            {
                case "algorithm": algorithm = Text(value, "algorithm"); break;
                case "hash": hash = ReadHash(value); break;
                case "salt": salt = ReadSalt(value); break;
                case "password": password = new PasswordPart { Encoding = ReadEncodingOnly(value, "password") }; break;
                case "keylen": keylen = (int)Integer(value, "keylen", int.MaxValue); break;
                case "cost": cost = Integer(value, "cost", long.MaxValue); break;
                case "blocksize": blockSize = (int)Integer(value, "blockSize", int.MaxValue); break;
                case "parallelization": parallelization = (int)Integer(value, "parallelization", int.MaxValue); break;
                case "parameters": parameters = ReadParameters(value); break;
                default: throw Unknown("custom_password_hash", name);
            }
        }

        return new LegacyPasswordHash
        {
            Algorithm = algorithm ?? throw new LegacyHashFormatException("custom_password_hash needs an algorithm"),
            Hash = hash ?? throw new LegacyHashFormatException("custom_password_hash needs a hash"),
            Salt = salt,
            Password = password,
            KeyLen = keylen,
            Cost = cost,
            BlockSize = blockSize,
            Parallelization = parallelization,
            Parameters = parameters,
        };
    }

    /// <summary>
    /// Reads a user of FusionAuth's import request (<c>users[].encryptionScheme</c>, <c>factor</c>, <c>salt</c> (base64)
    /// and <c>password</c> (the hash)) as FusionAuth defines its schemes: salted-md5 and salted-sha256 (the digest
    /// applied <paramref name="factor"/> times to password ‖ salt), salted-hmac-sha256 (keyed by the salt),
    /// salted-pbkdf2-hmac-sha256 (32-byte key), salted-pbkdf2-hmac-sha256-512 and salted-pbkdf2-hmac-sha512-512 (64-byte
    /// key; also as salted-pbkdf2-hmac-sha512), and bcrypt (factor the cost, salt the 22 characters after it, password
    /// the remaining 31). Where Auth0 has the same algorithm the result is in Auth0's terms (hmac, pbkdf2 PHC, bcrypt).
    /// </summary>
    public static LegacyPasswordHash FromFusionAuth(string encryptionScheme, int factor, string salt, string password)
    {
        ArgumentNullException.ThrowIfNull(encryptionScheme);
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentNullException.ThrowIfNull(password);
        var scheme = encryptionScheme.Trim().ToLowerInvariant();
        salt = salt.Trim();
        password = password.Trim();
        string Factor() => factor.ToString(CultureInfo.InvariantCulture);
        switch (scheme)
        {
            case "salted-md5" or "salted-sha256":
                return new LegacyPasswordHash
                {
                    Algorithm = "fusionauth-" + scheme,
                    Hash = new HashPart { Value = password, Encoding = "base64" },
                    Salt = new SaltPart { Value = salt, Encoding = "base64", Position = "suffix" },
                    Parameters = new Dictionary<string, string> { ["factor"] = Factor() },
                };
            case "salted-hmac-sha256":
                return new LegacyPasswordHash
                {
                    Algorithm = "hmac",
                    Hash = new HashPart
                    {
                        Value = password,
                        Encoding = "base64",
                        Digest = "sha256",
                        Key = new KeyPart { Value = salt, Encoding = "base64" },
                    },
                };
            case "salted-pbkdf2-hmac-sha256" or "salted-pbkdf2-hmac-sha256-512" or "salted-pbkdf2-hmac-sha512-512" or "salted-pbkdf2-hmac-sha512":
                var digest = scheme.StartsWith("salted-pbkdf2-hmac-sha512", StringComparison.Ordinal) ? "sha512" : "sha256";
                var length = scheme == "salted-pbkdf2-hmac-sha256" ? 32 : 64;
                var saltBytes = LegacyEncodings.Base64(salt, "FusionAuth salt");
                var hashBytes = LegacyEncodings.Base64(password, "FusionAuth password hash");
                return new LegacyPasswordHash
                {
                    Algorithm = "pbkdf2",
                    Hash = new HashPart
                    {
                        Value = $"$pbkdf2-{digest}$i={Factor()},l={length.ToString(CultureInfo.InvariantCulture)}${LegacyEncodings.PhcBase64(saltBytes)}${LegacyEncodings.PhcBase64(hashBytes)}",
                        Encoding = "utf8",
                    },
                };
            case "bcrypt":
                if (salt.Length != 22 || password.Length != 31 || factor is < 4 or > 31)
                {
                    throw new LegacyHashFormatException("a FusionAuth bcrypt hash has the cost as factor, the 22-character salt and the 31-character hash");
                }

                return FromBcrypt($"$2a${factor.ToString("00", CultureInfo.InvariantCulture)}${salt}{password}");
            default:
                throw new LegacyHashFormatException(
                    $"unsupported FusionAuth encryptionScheme '{Labels.Of(encryptionScheme)}' (supported: {string.Join(", ", FusionAuthSchemes)})");
        }
    }

    /// <summary>
    /// An ASP.NET Core Identity <c>PasswordHasher</c> hash (v3, or v2) in Auth0's terms: a pbkdf2 PHC string with
    /// unpadded standard base64, <c>$pbkdf2-sha512$i=100000,l=32$&lt;salt&gt;$&lt;subkey&gt;</c> for Identity's
    /// default. Exports write native hashes so, and both Auth0 and LazyMigrate import them. Throws
    /// <see cref="LegacyHashFormatException"/> for anything else.
    /// </summary>
    public static LegacyPasswordHash FromAspNetIdentity(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var prepared = (Pbkdf2Hash)LegacyPasswordVerifier.Prepare(new LegacyPasswordHash { Algorithm = "aspnet-identity", Hash = new HashPart { Value = hash } });
        var value = string.Create(
            CultureInfo.InvariantCulture,
            $"$pbkdf2-{LegacyDigests.Name(prepared.Kind)}$i={prepared.Iterations},l={prepared.Expected.Length}${LegacyEncodings.PhcBase64(prepared.Salt)}${LegacyEncodings.PhcBase64(prepared.Expected)}");
        return new LegacyPasswordHash { Algorithm = "pbkdf2", Hash = new HashPart { Value = value, Encoding = "utf8" } };
    }

    /// <summary>FusionAuth encryption schemes <see cref="FromFusionAuth"/> reads.</summary>
    public static IReadOnlyList<string> FusionAuthSchemes { get; } =
    [
        "salted-md5", "salted-sha256", "salted-hmac-sha256", "salted-pbkdf2-hmac-sha256", "salted-pbkdf2-hmac-sha256-512",
        "salted-pbkdf2-hmac-sha512-512", "bcrypt",
    ];

    /// <summary>Format names <see cref="FromFormat"/> accepts (for CSV imports and <c>crypto.verifyPassword(password, hash, format)</c>).</summary>
    public static IReadOnlyList<string> FormatNames => LegacyHashFormats.Names;

    /// <summary>
    /// Builds a hash from a named format and the columns a CSV (or a script) has, for legacy systems that keep the
    /// hash, the salt and the settings apart. Formats:
    /// <list type="bullet">
    /// <item><c>auto</c>: a self-describing hash, told by its prefix ($2a$/$2b$/$2y$, $argon2…, $pbkdf2…, $scrypt$,
    /// $1$, $5$, $6$, $S$, U$…, $P$/$H$, {SCHEME}, Django's <c>algorithm$…</c>, ASP.NET Identity's base64); refused when
    /// the prefix does not tell.</item>
    /// <item>Self-describing, no salt: <c>bcrypt</c>, <c>argon2</c>, <c>pbkdf2</c> (PHC or passlib), <c>scrypt</c>
    /// (PHC or passlib), <c>ldap</c>, <c>crypt</c> (also <c>md5-crypt</c>, <c>sha256-crypt</c>, <c>sha512-crypt</c>),
    /// <c>drupal7</c>, <c>phpass</c>, <c>django</c>, <c>aspnet-identity</c>.</item>
    /// <item>Digests <c>md4</c>, <c>md5</c>, <c>sha1</c>, <c>sha224</c>, <c>sha256</c>, <c>sha384</c>, <c>sha512</c>,
    /// <c>ripemd160</c>, <c>whirlpool</c>: hash in hex or base64 (told by its length unless <c>hash_encoding</c>
    /// says), optional salt (<c>salt_encoding</c> utf8/hex/base64, <c>salt_position</c> prefix/suffix).</item>
    /// <item><c>hmac-&lt;digest&gt;</c>: as a digest, with parameter <c>key</c> (and <c>key_encoding</c>).</item>
    /// <item><c>pbkdf2-&lt;digest&gt;</c> with a hex/base64 hash: salt, parameter <c>iterations</c>.</item>
    /// <item><c>aspnet-membership</c>: hash and salt in base64 (or one column "salt:hash"), parameter <c>digest</c>
    /// (the site's hashAlgorithmType: sha1, sha256, sha384, sha512, md5, hmacsha1, hmacsha256, hmacsha384,
    /// hmacsha512; by default SHA1 for a 20-byte hash, HMACSHA256 for a 32-byte one, as .NET wrote them).</item>
    /// <item><c>firebase-scrypt</c>: hash and salt in base64, parameters <c>signer_key</c>, <c>salt_separator</c>,
    /// <c>rounds</c>, <c>mem_cost</c> (the project's hash parameters).</item>
    /// <item><c>fusionauth-&lt;scheme&gt;</c>: see <see cref="FromFusionAuth"/>; parameter <c>factor</c>.</item>
    /// </list>
    /// Parameter names are matched without regard to case or underscores (<c>signer_key</c>, <c>signerKey</c>);
    /// <c>password_encoding</c> applies to every format. An unknown format or parameter is refused, never guessed.
    /// </summary>
    public static LegacyPasswordHash FromFormat(string format, string hash, string? salt = null, IReadOnlyDictionary<string, string>? parameters = null) =>
        LegacyHashFormats.FromFormat(format, hash, salt, parameters);

    /// <summary>Auth0's <c>custom_password_hash</c> object (what an export writes and <see cref="FromAuth0"/> reads back).</summary>
    public JsonObject ToAuth0()
    {
        var hash = new JsonObject { ["value"] = Hash.Value };
        AddIfSet(hash, "encoding", Hash.Encoding);
        AddIfSet(hash, "digest", Hash.Digest);
        if (Hash.Key is { } key)
        {
            var keyObject = new JsonObject { ["value"] = key.Value };
            AddIfSet(keyObject, "encoding", key.Encoding);
            hash["key"] = keyObject;
        }

        var result = new JsonObject { ["algorithm"] = Algorithm, ["hash"] = hash };
        if (Salt is { } salt)
        {
            var saltObject = new JsonObject { ["value"] = salt.Value };
            AddIfSet(saltObject, "encoding", salt.Encoding);
            AddIfSet(saltObject, "position", salt.Position);
            result["salt"] = saltObject;
        }

        if (Password is { Encoding: { } passwordEncoding })
        {
            result["password"] = new JsonObject { ["encoding"] = passwordEncoding };
        }

        if (KeyLen is { } keylen)
        {
            result["keylen"] = keylen;
        }

        if (Cost is { } cost)
        {
            result["cost"] = cost;
        }

        if (BlockSize is { } blockSize)
        {
            result["blockSize"] = blockSize;
        }

        if (Parallelization is { } parallelization)
        {
            result["parallelization"] = parallelization;
        }

        if (Parameters is { Count: > 0 } map)
        {
            var parametersObject = new JsonObject();
            foreach (var (name, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                parametersObject[name] = value;
            }

            result["parameters"] = parametersObject;
        }

        return result;
    }

    /// <summary>The form kept in the user store: <see cref="ToAuth0"/> as compact JSON.</summary>
    public string Serialize() => ToAuth0().ToJsonString();

    /// <summary>Reads <see cref="Serialize"/>'s form back.</summary>
    public static LegacyPasswordHash Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            throw new LegacyHashFormatException("the stored legacy hash is not JSON");
        }

        return FromAuth0(node ?? throw new LegacyHashFormatException("empty legacy hash"));
    }

    /// <summary>Equality compares <see cref="Parameters"/> by content, so a round trip compares equal.</summary>
    public bool Equals(LegacyPasswordHash? other) =>
        other is not null
        && Algorithm == other.Algorithm && Hash == other.Hash && Salt == other.Salt && Password == other.Password
        && KeyLen == other.KeyLen && Cost == other.Cost && BlockSize == other.BlockSize && Parallelization == other.Parallelization
        && (Parameters ?? []).Count == (other.Parameters ?? []).Count
        && (Parameters ?? []).All(p => other.Parameters!.TryGetValue(p.Key, out var v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(Algorithm, Hash, Salt, Password, KeyLen, Cost, BlockSize, Parallelization);

    private static void AddIfSet(JsonObject target, string name, string? value)
    {
        if (value is not null)
        {
            target[name] = value;
        }
    }

    private static HashPart ReadHash(JsonNode node)
    {
        var map = node as JsonObject ?? throw new LegacyHashFormatException("custom_password_hash.hash must be an object");
        string? value = null, encoding = null, digest = null;
        KeyPart? key = null;
        foreach (var (name, item) in map)
        {
            if (item is null)
            {
                continue;
            }

            switch (name.ToLowerInvariant())
            {
                case "value": value = Text(item, "hash.value"); break;
                case "encoding": encoding = Text(item, "hash.encoding"); break;
                case "digest": digest = Text(item, "hash.digest"); break;
                case "key":
                    var keyMap = item as JsonObject ?? throw new LegacyHashFormatException("custom_password_hash.hash.key must be an object");
                    string? keyValue = null, keyEncoding = null;
                    foreach (var (keyName, keyItem) in keyMap)
                    {
                        if (keyItem is null)
                        {
                            continue;
                        }

                        switch (keyName.ToLowerInvariant())
                        {
                            case "value": keyValue = Text(keyItem, "hash.key.value"); break;
                            case "encoding": keyEncoding = Text(keyItem, "hash.key.encoding"); break;
                            default: throw Unknown("custom_password_hash.hash.key", keyName);
                        }
                    }

                    key = new KeyPart
                    {
                        Value = keyValue ?? throw new LegacyHashFormatException("custom_password_hash.hash.key needs a value"),
                        Encoding = keyEncoding,
                    };
                    break;
                default: throw Unknown("custom_password_hash.hash", name);
            }
        }

        return new HashPart
        {
            Value = value ?? throw new LegacyHashFormatException("custom_password_hash.hash needs a value"),
            Encoding = encoding,
            Digest = digest,
            Key = key,
        };
    }

    private static SaltPart ReadSalt(JsonNode node)
    {
        var map = node as JsonObject ?? throw new LegacyHashFormatException("custom_password_hash.salt must be an object");
        string? value = null, encoding = null, position = null;
        foreach (var (name, item) in map)
        {
            if (item is null)
            {
                continue;
            }

            switch (name.ToLowerInvariant())
            {
                case "value": value = Text(item, "salt.value"); break;
                case "encoding": encoding = Text(item, "salt.encoding"); break;
                case "position": position = Text(item, "salt.position"); break;
                default: throw Unknown("custom_password_hash.salt", name);
            }
        }

        return new SaltPart
        {
            Value = value ?? throw new LegacyHashFormatException("custom_password_hash.salt needs a value"),
            Encoding = encoding,
            Position = position,
        };
    }

    private static string? ReadEncodingOnly(JsonNode node, string what)
    {
        var map = node as JsonObject ?? throw new LegacyHashFormatException($"custom_password_hash.{what} must be an object");
        string? encoding = null;
        foreach (var (name, item) in map)
        {
            if (item is null)
            {
                continue;
            }

            encoding = name.Equals("encoding", StringComparison.OrdinalIgnoreCase)
                ? Text(item, what + ".encoding")
                : throw Unknown("custom_password_hash." + what, name);
        }

        return encoding;
    }

    private static Dictionary<string, string> ReadParameters(JsonNode node)
    {
        var map = node as JsonObject ?? throw new LegacyHashFormatException("custom_password_hash.parameters must be an object");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, item) in map)
        {
            if (item is JsonValue value && value.GetValueKind() is JsonValueKind.Number)
            {
                result[name] = Integer(item, "parameters." + name, long.MaxValue).ToString(CultureInfo.InvariantCulture);
            }
            else if (item is not null)
            {
                result[name] = Text(item, "parameters." + name);
            }
        }

        return result;
    }

    private static string Text(JsonNode node, string what) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw new LegacyHashFormatException($"custom_password_hash.{what} must be a string");

    private static long Integer(JsonNode node, string what, long max)
    {
        long result;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            if (value.TryGetValue(out int small))
            {
                result = small;
            }
            else if (!value.TryGetValue(out result))
            {
                if (!value.TryGetValue(out double real) || real != Math.Floor(real) || Math.Abs(real) > 1e15)
                {
                    throw new LegacyHashFormatException($"custom_password_hash.{what} must be an integer");
                }

                result = (long)real;
            }
        }
        else if (node is JsonValue text && text.GetValueKind() == JsonValueKind.String
            && long.TryParse(text.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            result = parsed;
        }
        else
        {
            throw new LegacyHashFormatException($"custom_password_hash.{what} must be an integer");
        }

        return result < 0 || result > max
            ? throw new LegacyHashFormatException($"custom_password_hash.{what} is out of range")
            : result;
    }

    private static LegacyHashFormatException Unknown(string where, string name) =>
        new($"{where} has a property Auth0 does not define: '{Labels.Of(name)}'");
}

/// <summary>The hash is not in a format the verifier can read, or is over a work cap (distinct from a wrong password). The message never contains the hash.</summary>
public sealed class LegacyHashFormatException(string message) : Exception(message);
