using LazyMigrate.Scripting;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.Mfa;

/// <summary>
/// Turns a legacy system's second factors into this user's, in the import's own transaction: the TOTP secret becomes
/// Identity's authenticator key (protected, exactly as <see cref="ProtectedUserStore"/> stores an enrolled one) and
/// two-factor sign-in is on, so the first sign-in asks for the code the person's app already shows. A phone number
/// or email factor is kept as a record only: no SMS or email code sender exists, so neither is ever a factor.
/// </summary>
public sealed class MfaCarryOver(IDataProtectionProvider protection)
{
    private readonly IDataProtector _keys = protection.CreateProtector(ProtectedUserStore.AuthenticatorKeyPurpose);
    private readonly IDataProtector _values = protection.CreateProtector(ProtectedUserStore.FactorValuePurpose);

    /// <summary>Adds the factors of <paramref name="mfa"/> for <paramref name="user"/> (being added to <paramref name="db"/>) to the unit of work.</summary>
    public void Stage(LazyMigrateDbContext db, User user, LegacyMfa mfa, string origin, DateTimeOffset now)
    {
        if (mfa.TotpSecret is { } secret)
        {
            db.UserTokens.Add(new IdentityUserToken<Guid>
            {
                UserId = user.Id,
                LoginProvider = ProtectedUserStore.InternalLoginProvider,
                Name = ProtectedUserStore.AuthenticatorKeyTokenName,
                Value = ProtectKey(secret),
            });
            user.TwoFactorEnabled = true;
            db.MfaFactors.Add(Factor(user, MfaFactorKind.Authenticator, null, origin, now));
        }

        if (mfa.PhoneNumber is { } phone)
        {
            db.MfaFactors.Add(Factor(user, MfaFactorKind.Phone, ProtectValue(phone), origin, now));
        }

        if (mfa.Email is { } email)
        {
            db.MfaFactors.Add(Factor(user, MfaFactorKind.Email, ProtectValue(email), origin, now));
        }
    }

    /// <summary>An authenticator key as <see cref="ProtectedUserStore"/> stores it.</summary>
    public string ProtectKey(string secret) => _keys.Protect(secret);

    /// <summary>A phone number or address as a factor record stores it.</summary>
    public string ProtectValue(string value) => _values.Protect(value);

    /// <summary>An authenticator key as stored, in clear, for the export; null when it cannot be read.</summary>
    public string? RevealKey(string stored)
    {
        try
        {
            return _keys.Unprotect(stored);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>A carried-over phone number or address, for the export (which writes it back); null when it cannot be read.</summary>
    public string? Reveal(MfaFactor factor)
    {
        try
        {
            return factor.ProtectedValue is null ? null : _values.Unprotect(factor.ProtectedValue);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private static MfaFactor Factor(User user, MfaFactorKind kind, string? value, string origin, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(),
        UserId = user.Id,
        Kind = kind,
        CreatedAt = now,
        ProtectedValue = value,
        Origin = origin,
    };
}
