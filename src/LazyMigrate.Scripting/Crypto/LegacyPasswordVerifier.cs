namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// Verifies a password against a hash written by a legacy system. Shared by scripts (<c>crypto.verifyPassword</c>)
/// and, later, by bulk import of users with their legacy hashes.
/// </summary>
public static class LegacyPasswordVerifier
{
    /// <summary>
    /// Verifies against a self-describing hash (<paramref name="format"/> null: detected from the hash) or a named
    /// format: bcrypt, argon2, pbkdf2, scrypt, ldap, aspnet-membership, aspnet-identity, django, phpass.
    /// Returns false for a wrong password; throws <see cref="LegacyHashFormatException"/> for a hash it cannot read.
    /// </summary>
    public static bool Verify(string password, string hash, string? format = null) =>
        throw new NotImplementedException();

    /// <summary>Verifies against a salted digest or HMAC described in the shape of Auth0's <c>custom_password_hash</c>.</summary>
    public static bool Verify(string password, string hash, PasswordHashDescriptor descriptor) =>
        throw new NotImplementedException();
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
