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
public sealed record LegacyPasswordHash
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Auth0's algorithm names (argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2, scrypt) and the other supported formats.</summary>
    public required string Algorithm { get; init; }

    public required HashPart Hash { get; init; }

    public SaltPart? Salt { get; init; }

    public PasswordPart? Password { get; init; }

    /// <summary>scrypt's derived key length.</summary>
    public int? KeyLen { get; init; }

    /// <summary>scrypt's N (CPU/memory cost).</summary>
    public long? Cost { get; init; }

    /// <summary>scrypt's r.</summary>
    public int? BlockSize { get; init; }

    /// <summary>scrypt's p.</summary>
    public int? Parallelization { get; init; }

    /// <summary>Format-specific parameters Auth0's schema has no field for (Firebase's signer key, FusionAuth's factor, ...).</summary>
    public Dictionary<string, string>? Parameters { get; init; }

    /// <summary>The hash's value and how it is written.</summary>
    public sealed record HashPart
    {
        public required string Value { get; init; }

        /// <summary>base64, hex or utf8.</summary>
        public string? Encoding { get; init; }

        /// <summary>The digest of an hmac.</summary>
        public string? Digest { get; init; }

        /// <summary>The key of an hmac.</summary>
        public KeyPart? Key { get; init; }
    }

    public sealed record KeyPart
    {
        public required string Value { get; init; }

        public string? Encoding { get; init; }
    }

    public sealed record SaltPart
    {
        public required string Value { get; init; }

        public string? Encoding { get; init; }

        /// <summary>prefix or suffix.</summary>
        public string? Position { get; init; }
    }

    public sealed record PasswordPart
    {
        /// <summary>ascii, utf8, utf16le, ucs2, latin1 or binary.</summary>
        public string? Encoding { get; init; }
    }

    /// <summary>The name shown to administrators (never the hash): the algorithm, with the variant where it matters.</summary>
    [JsonIgnore]
    public string Format => Algorithm.ToLowerInvariant();

    /// <summary>Auth0's <c>password_hash</c> field: a bcrypt string.</summary>
    public static LegacyPasswordHash FromBcrypt(string hash) => new() { Algorithm = "bcrypt", Hash = new HashPart { Value = hash } };

    /// <summary>Reads Auth0's <c>custom_password_hash</c> object; throws <see cref="LegacyHashFormatException"/> when it cannot.</summary>
    public static LegacyPasswordHash FromAuth0(JsonNode customPasswordHash)
    {
        ArgumentNullException.ThrowIfNull(customPasswordHash);
        try
        {
            return customPasswordHash.Deserialize<LegacyPasswordHash>(Json)
                ?? throw new LegacyHashFormatException("custom_password_hash is empty");
        }
        catch (JsonException ex)
        {
            throw new LegacyHashFormatException($"custom_password_hash cannot be read: {ex.Message}");
        }
    }

    /// <summary>Auth0's <c>custom_password_hash</c> object (what an export writes and an import reads back).</summary>
    public JsonObject ToAuth0() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();

    /// <summary>The form kept in the user store.</summary>
    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static LegacyPasswordHash Deserialize(string json) =>
        JsonSerializer.Deserialize<LegacyPasswordHash>(json, Json) ?? throw new LegacyHashFormatException("empty legacy hash");
}
