using System.Text.Json.Serialization;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Account;

/// <summary>
/// How a user's password is kept: a native hash, a legacy system's hash waiting for the first sign-in (bulk import),
/// or none (imported without a usable hash: "reset required"). Shown to administrators; never the hash itself.
/// </summary>
public sealed record CredentialView(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("format"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Format = null)
{
    public static readonly CredentialView Native = new("native");
    public static readonly CredentialView None = new("none");

    public static CredentialView Of(string? passwordHash) =>
        passwordHash is null ? None
        : LegacyCredential.TryRead(passwordHash, out var legacy) ? new("legacy", legacy?.Format ?? "unreadable")
        : Native;
}

/// <summary>
/// A legacy hash kept in Identity's <c>PasswordHash</c> column, so Identity's own path (UserManager.CheckPasswordAsync,
/// SignInManager) verifies and replaces it: <c>legacy:</c> and the serialized <see cref="LegacyPasswordHash"/>.
/// Native hashes are base64 and never start with the prefix.
/// </summary>
public static class LegacyCredential
{
    public const string Prefix = "legacy:";

    public static string Store(LegacyPasswordHash hash) => Prefix + hash.Serialize();

    /// <returns>True when the value is a legacy one; <paramref name="hash"/> is null when it cannot be read.</returns>
    public static bool TryRead(string passwordHash, out LegacyPasswordHash? hash)
    {
        hash = null;
        if (!passwordHash.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            hash = LegacyPasswordHash.Deserialize(passwordHash[Prefix.Length..]);
        }
        catch (Exception ex) when (ex is LegacyHashFormatException or System.Text.Json.JsonException)
        {
            hash = null;
        }

        return true;
    }
}

/// <summary>
/// Identity's hasher: native hashes in the configured algorithm (PBKDF2, Identity's own V3 format, or Argon2id), and the
/// legacy hashes bulk import stores. A hash that accepts the password but is not in the configured algorithm (a legacy
/// hash, or the other native one) answers <see cref="PasswordVerificationResult.SuccessRehashNeeded"/>: UserManager then
/// writes the configured hash in the same update as any weak-hash upgrade (one UPDATE guarded by the concurrency stamp),
/// so after a successful sign-in the user's hash is the configured one. New hashes are always the configured one.
/// Memory-hard legacy hashes (scrypt, argon2) wait for their memory in <see cref="LegacyVerificationMemory"/>, so a
/// crowd of such sign-ins cannot exhaust the node's memory.
/// </summary>
public sealed class LegacyAwarePasswordHasher(
    IOptions<PasswordHasherOptions> options,
    IOptions<AccountOptions> account,
    LegacyVerificationMemory memory,
    ILogger<LegacyAwarePasswordHasher> logger) : IPasswordHasher<User>
{
    private readonly PasswordHasher<User> _pbkdf2 = new(options);
    private readonly Argon2idPasswordHasher _argon2id = new();
    private readonly bool _argon2idConfigured = account.Value.PasswordHashAlgorithm == PasswordHashAlgorithms.Argon2id;
    private string? _decoy;

    private IPasswordHasher<User> Configured => _argon2idConfigured ? _argon2id : _pbkdf2;

    // A hash of the configured algorithm that nothing matches, for wrong passwords of legacy users (below). A benign race may compute it twice.
    private string Decoy => _decoy ??= Configured.HashPassword(new User(), Guid.NewGuid().ToString());

    public string HashPassword(User user, string password) => Configured.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
    {
        if (!LegacyCredential.TryRead(hashedPassword, out var legacy))
        {
            var argon2id = Argon2idPasswordHasher.IsArgon2id(hashedPassword);
            var result = argon2id
                ? _argon2id.VerifyHashedPassword(user, hashedPassword, providedPassword)
                : _pbkdf2.VerifyHashedPassword(user, hashedPassword, providedPassword);
            return result == PasswordVerificationResult.Success && argon2id != _argon2idConfigured
                ? PasswordVerificationResult.SuccessRehashNeeded
                : result;
        }

        bool verified;
        System.Threading.RateLimiting.RateLimitLease? lease = null;
        try
        {
            if (legacy is not null && (lease = memory.Acquire(legacy)) is null)
            {
                // Overloaded: refused like a wrong password (Identity's hasher has no "try later"), and said so in the log.
                logger.LogWarning("The legacy {Format} hash of user {UserId} was not verified: no memory for it within the wait", legacy.Format, user.Id);
                verified = false;
            }
            else
            {
                verified = legacy is not null && LegacyPasswordVerifier.Verify(providedPassword, legacy);
            }
        }
        catch (LegacyHashFormatException ex)
        {
            // The reason names the format or the cap, never the hash or the password.
            logger.LogWarning("The legacy hash of user {UserId} cannot be verified: {Reason}", user.Id, ex.Message);
            verified = false;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            // A value the format's parser cannot decode (bad hex, base64): a failed sign-in, not an error page. No message: it may quote the value.
            logger.LogWarning("The legacy {Format} hash of user {UserId} cannot be decoded", legacy?.Format, user.Id);
            verified = false;
        }
        finally
        {
            lease?.Dispose();
        }

        if (legacy is null)
        {
            logger.LogWarning("The legacy hash of user {UserId} cannot be read", user.Id);
        }

        if (verified)
        {
            return PasswordVerificationResult.SuccessRehashNeeded;
        }

        // Legacy formats can be far cheaper than ours: a wrong password also pays one native verification, so it takes
        // as long as a native user's wrong password and timing does not tell who still has a legacy hash.
        Configured.VerifyHashedPassword(user, Decoy, providedPassword);
        return PasswordVerificationResult.Failed;
    }
}
