using System.Security.Cryptography;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Mfa;

/// <summary>A passkey as the pages, the API and the console show it: never its credential id or public key.</summary>
public sealed record PasskeyView(string Id, string? Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool Synced);

/// <summary>
/// A user's passkeys over Identity's passkey support (.NET 10): registration through <see cref="SignInManager{TUser}"/>'s
/// attestation, storage in <c>AspNetUserPasskeys</c>, names, removal. A passkey is a second factor, so registering one
/// turns Identity's two-factor sign-in on, and removing the last factor turns it off.
/// </summary>
public sealed class Passkeys(
    UserManager<User> users,
    SignInManager<User> signIn,
    LazyMigrateDbContext db,
    AuditTrail audit,
    TimeProvider time,
    ILogger<Passkeys> logger)
{
    public const int MaximumNameLength = 100;

    /// <summary>
    /// The id the pages and the API name a passkey by: the first 16 bytes of the credential id's SHA-256, base64url.
    /// The credential id itself is not a secret, but it is what a browser presents to sign in and what links one
    /// person's accounts across sites; nothing outside needs it, so it never leaves the server.
    /// </summary>
    public static string PublicId(byte[] credentialId) => Base64UrlNoPadding(SHA256.HashData(credentialId).AsSpan(0, 16));

    /// <summary>
    /// RFC 8176's method for a passkey: <c>swk</c> (software-secured key) when the authenticator says the credential may
    /// be backed up (a synced passkey: copies of the private key live in a cloud keychain), <c>hwk</c> (hardware-secured
    /// key) when it says the credential is bound to the device. Attestation is not requested, so this is the
    /// authenticator's own word, not a verified certificate.
    /// </summary>
    public static string Amr(UserPasskeyInfo passkey) => passkey.IsBackupEligible ? "swk" : "hwk";

    /// <summary>The options for <c>navigator.credentials.create()</c>; the challenge waits in Identity's short cookie.</summary>
    public Task<string> CreationOptionsAsync(User user) =>
        signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = user.Id.ToString(),
            Name = user.Email ?? user.UserName ?? user.Id.ToString(),
            DisplayName = user.Name ?? user.Email ?? user.UserName ?? user.Id.ToString(),
        });

    /// <summary>Verifies the browser's new credential and stores it under <paramref name="name"/>; false when it does not verify.</summary>
    public async Task<bool> AddAsync(User user, string credentialJson, string? name, CancellationToken cancellationToken)
    {
        var attestation = await signIn.PerformPasskeyAttestationAsync(credentialJson);
        if (!attestation.Succeeded || attestation.UserEntity.Id != user.Id.ToString())
        {
            // The library's message names the check that failed, never credential data.
            logger.LogInformation("Passkey registration refused for user {UserId}: {Reason}", user.Id, attestation.Failure?.Message ?? "another user's ceremony");
            return false;
        }

        var passkey = attestation.Passkey;
        passkey.Name = CleanName(name) ?? "Passkey";
        var stored = await users.AddOrUpdatePasskeyAsync(user, passkey);
        if (!stored.Succeeded)
        {
            logger.LogWarning("Passkey of user {UserId} not stored: {Errors}", user.Id, string.Join(", ", stored.Errors.Select(e => e.Code)));
            return false;
        }

        if (!user.TwoFactorEnabled)
        {
            await users.SetTwoFactorEnabledAsync(user, true);
        }

        await audit.RecordAsync(AuditEventType.MfaEnrolled, userId: user.Id, reason: "Passkey", cancellationToken: cancellationToken);
        logger.LogInformation("User {UserId} registered a passkey", user.Id);
        return true;
    }

    public async Task<List<PasskeyView>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var rows = await db.Set<UserPasskey>().AsNoTracking().Where(p => p.UserId == userId).ToListAsync(cancellationToken);
        return rows.Select(p => new PasskeyView(PublicId(p.CredentialId), p.Data.Name, p.Data.CreatedAt, p.LastUsedAt, p.Data.IsBackupEligible))
            .OrderBy(p => p.CreatedAt).ToList();
    }

    public Task<int> CountAsync(Guid userId, CancellationToken cancellationToken) =>
        db.Set<UserPasskey>().CountAsync(p => p.UserId == userId, cancellationToken);

    public async Task<bool> RenameAsync(User user, string id, string? name, CancellationToken cancellationToken)
    {
        if (CleanName(name) is not { } clean || await FindAsync(user.Id, id, cancellationToken) is not { } credentialId
            || await users.GetPasskeyAsync(user, credentialId) is not { } passkey)
        {
            return false;
        }

        passkey.Name = clean;
        return (await users.AddOrUpdatePasskeyAsync(user, passkey)).Succeeded;
    }

    /// <summary>Removes one passkey, audited with <paramref name="actor"/> (null: the user themself); false when there is no such passkey.</summary>
    public async Task<bool> RemoveAsync(User user, string id, string? actor, CancellationToken cancellationToken)
    {
        if (await FindAsync(user.Id, id, cancellationToken) is not { } credentialId)
        {
            return false;
        }

        var removed = await users.RemovePasskeyAsync(user, credentialId);
        if (!removed.Succeeded)
        {
            return false;
        }

        await TurnOffTwoFactorWhenNoFactorLeftAsync(user, cancellationToken);
        await audit.RecordAsync(AuditEventType.MfaRemoved, userId: user.Id, reason: "Passkey", actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("A passkey of user {UserId} was removed", user.Id);
        return true;
    }

    /// <summary>Identity's two-factor switch stays on while an authenticator or a passkey remains.</summary>
    public async Task TurnOffTwoFactorWhenNoFactorLeftAsync(User user, CancellationToken cancellationToken)
    {
        var authenticator = await db.MfaFactors.AnyAsync(f => f.UserId == user.Id && f.Kind == MfaFactorKind.Authenticator, cancellationToken);
        if (user.TwoFactorEnabled && !authenticator && await CountAsync(user.Id, cancellationToken) == 0)
        {
            await users.SetTwoFactorEnabledAsync(user, false);
        }
    }

    /// <summary>After a verified assertion: Identity's updated passkey (its signature counter, flags) and the time of use.</summary>
    public async Task RecordUseAsync(User user, UserPasskeyInfo passkey, CancellationToken cancellationToken)
    {
        await users.AddOrUpdatePasskeyAsync(user, passkey);
        var now = time.GetUtcNow();
        await db.Set<UserPasskey>().Where(p => p.UserId == user.Id && p.CredentialId == passkey.CredentialId)
            .ExecuteUpdateAsync(set => set.SetProperty(p => p.LastUsedAt, now), cancellationToken);
    }

    private async Task<byte[]?> FindAsync(Guid userId, string id, CancellationToken cancellationToken)
    {
        var ids = await db.Set<UserPasskey>().AsNoTracking().Where(p => p.UserId == userId).Select(p => p.CredentialId).ToListAsync(cancellationToken);
        return ids.FirstOrDefault(c => string.Equals(PublicId(c), id, StringComparison.Ordinal));
    }

    private static string? CleanName(string? name)
    {
        var trimmed = new string((name ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        return trimmed.Length == 0 ? null : trimmed.Length > MaximumNameLength ? trimmed[..MaximumNameLength] : trimmed;
    }

    private static string Base64UrlNoPadding(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
