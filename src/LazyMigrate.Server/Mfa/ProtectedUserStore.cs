using System.Security.Cryptography;
using System.Text;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace LazyMigrate.Server.Mfa;

/// <summary>
/// Identity's EF Core user store, with its two-factor secrets made safe at rest. Identity itself stores the
/// authenticator key and the recovery codes as plain text in <c>AspNetUserTokens</c>: here the key is protected with
/// Data Protection (a database dump alone cannot mint codes) and each recovery code is kept only as a salted hash
/// (it is shown once, and a dump cannot be redeemed). Passkeys go through the base store unchanged (into
/// <c>AspNetUserPasskeys</c>, as <see cref="UserPasskey"/>): a public key is no secret.
/// </summary>
public sealed class ProtectedUserStore(LazyMigrateDbContext context, IDataProtectionProvider protection, ILogger<ProtectedUserStore> logger, IdentityErrorDescriber? describer = null)
    : UserStore<User, Role, LazyMigrateDbContext, Guid, IdentityUserClaim<Guid>, IdentityUserRole<Guid>, IdentityUserLogin<Guid>, IdentityUserToken<Guid>, IdentityRoleClaim<Guid>, UserPasskey>(context, describer)
{
    // Identity's own names for the rows it keeps these values in, so its UserManager finds them unchanged.
    internal const string InternalLoginProvider = "[AspNetUserStore]";
    internal const string RecoveryCodeTokenName = "RecoveryCodes";
    internal const string AuthenticatorKeyTokenName = "AuthenticatorKey";
    internal const string AuthenticatorKeyPurpose = "LazyMigrate.Mfa.AuthenticatorKey";
    internal const string FactorValuePurpose = "LazyMigrate.Mfa.FactorValue";
    private const string HashPrefix = "h1:";

    // Enough to make an offline guess of a 10-character code (about 47 bits) far too slow, cheap enough to redeem.
    private const int RecoveryCodeIterations = 20_000;

    private readonly IDataProtector _keys = protection.CreateProtector(AuthenticatorKeyPurpose);

    public override Task SetAuthenticatorKeyAsync(User user, string key, CancellationToken cancellationToken) =>
        base.SetAuthenticatorKeyAsync(user, _keys.Protect(key), cancellationToken);

    public override async Task<string?> GetAuthenticatorKeyAsync(User user, CancellationToken cancellationToken)
    {
        var stored = await base.GetAuthenticatorKeyAsync(user, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        try
        {
            return _keys.Unprotect(stored);
        }
        catch (CryptographicException)
        {
            // A key ring that lost the key: the user cannot produce a valid code (no bypass), and an admin can remove the factor.
            logger.LogWarning("The authenticator key of user {UserId} cannot be unprotected", user.Id);
            return null;
        }
    }

    public override Task ReplaceCodesAsync(User user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(";", recoveryCodes.Select(c => HashRecoveryCode(user, c))), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(User user, string code, CancellationToken cancellationToken)
    {
        // Not the base method: it would hand the remaining (already hashed) codes back to ReplaceCodesAsync.
        var stored = await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken) ?? "";
        var codes = stored.Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
        var hash = HashRecoveryCode(user, code);
        var match = codes.FindIndex(c => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(c), Encoding.ASCII.GetBytes(hash)));
        if (match < 0)
        {
            return false;
        }

        codes.RemoveAt(match);
        await SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(";", codes), cancellationToken);
        return true;
    }

    /// <summary>Salted with the user's id, so one guess never tests two users' codes; spaces, dashes and case do not matter.</summary>
    internal static string HashRecoveryCode(User user, string code)
    {
        var normalized = new string(code.Where(char.IsLetterOrDigit).Select(char.ToUpperInvariant).ToArray());
        var salt = Encoding.UTF8.GetBytes("lazymigrate-recovery-code:" + user.Id.ToString("N"));
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(normalized), salt, RecoveryCodeIterations, HashAlgorithmName.SHA256, 32);
        return HashPrefix + Convert.ToBase64String(hash);
    }
}
