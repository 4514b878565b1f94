using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Account;

namespace LazyMigrate.Server.BulkExport;

/// <summary>
/// A user's stored password hash as an export writes it: Auth0's <c>custom_password_hash</c>, which every system that
/// imports Auth0 files reads. A native ASP.NET Core Identity hash becomes a PHC string
/// (<c>$pbkdf2-sha512$i=ITERATIONS,l=KEYLENGTH$SALT$HASH</c>, standard base64 without padding) with its own
/// parameters, so it verifies anywhere PBKDF2 does; a legacy hash still waiting for its first sign-in is written as it
/// was imported. Nothing here is ever logged.
/// </summary>
public static class ExportedPasswordHash
{
    /// <summary>The <c>custom_password_hash</c> for a stored hash; null when the user has none (or one no one could use).</summary>
    public static JsonObject? ToAuth0(string? storedHash)
    {
        if (string.IsNullOrEmpty(storedHash))
        {
            return null;
        }

        if (LegacyCredential.TryRead(storedHash, out var legacy))
        {
            // One that cannot be read is left out rather than guessed at: the user resets, as after an import without a hash.
            return legacy?.ToAuth0();
        }

        if (Argon2idPasswordHasher.IsArgon2id(storedHash))
        {
            // Already a PHC string: Auth0's argon2 algorithm reads it as it is.
            return new LegacyPasswordHash { Algorithm = "argon2", Hash = new LegacyPasswordHash.HashPart { Value = storedHash, Encoding = "utf8" } }.ToAuth0();
        }

        return ToPhc(storedHash) is { } phc
            ? new LegacyPasswordHash { Algorithm = "pbkdf2", Hash = new LegacyPasswordHash.HashPart { Value = phc, Encoding = "utf8" } }.ToAuth0()
            : null;
    }

    /// <summary>
    /// An ASP.NET Core Identity hash (v3: marker 0x01, PRF, iterations, salt length, salt, subkey; v2: marker 0x00,
    /// HMAC-SHA1, 1,000 iterations, a 16-byte salt and a 32-byte subkey) as a PHC string; null when it is neither.
    /// </summary>
    public static string? ToPhc(string identityHash)
    {
        Span<byte> bytes = stackalloc byte[256];
        if (!Convert.TryFromBase64String(identityHash, bytes, out var length) || length < 1)
        {
            return null;
        }

        bytes = bytes[..length];
        switch (bytes[0])
        {
            case 0x00 when length == 1 + 16 + 32:
                return Phc("sha1", 1000, bytes.Slice(1, 16), bytes[17..]);
            case 0x01 when length >= 13:
                var prf = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
                var iterations = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]);
                var saltLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[9..]);
                var digest = prf switch { 0 => "sha1", 1 => "sha256", 2 => "sha512", _ => null };
                if (digest is null || iterations is 0 or > int.MaxValue || saltLength < 1 || 13 + saltLength >= length)
                {
                    return null;
                }

                return Phc(digest, (int)iterations, bytes.Slice(13, (int)saltLength), bytes[(13 + (int)saltLength)..]);
            default:
                return null;
        }
    }

    private static string Phc(string digest, int iterations, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> subkey) =>
        string.Create(CultureInfo.InvariantCulture, $"$pbkdf2-{digest}$i={iterations},l={subkey.Length}${Base64(salt)}${Base64(subkey)}");

    private static string Base64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');
}
