using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkExport;

/// <summary>
/// One user's second factors as the export writes them back: the authenticator key of an enabled authenticator (not a
/// key shown for an enrolment never confirmed), and carried-over phone and email records. The export file holds them
/// as it holds password hashes: it is for the operator's next system, fetched with <c>export:users</c> only.
/// </summary>
public sealed class ExportedFactors
{
    private string? _totp;
    private string? _phone;
    private string? _email;

    public bool IsEmpty => _totp is null && _phone is null && _email is null;

    /// <summary>Auth0's <c>mfa_factors</c> entries: kind, field, value.</summary>
    public IEnumerable<(string Kind, string Field, string Value)> Entries()
    {
        if (_totp is not null)
        {
            yield return ("totp", "secret", _totp);
        }

        if (_phone is not null)
        {
            yield return ("phone", "value", _phone);
        }

        if (_email is not null)
        {
            yield return ("email", "value", _email);
        }
    }

    /// <summary>The factors of a batch of users, in four queries.</summary>
    public static async Task<Dictionary<Guid, ExportedFactors>> ReadAsync(LazyMigrateDbContext db, MfaCarryOver carryOver, IReadOnlyList<User> users, CancellationToken cancellationToken)
    {
        var ids = users.Select(u => u.Id).ToList();
        // Two-factor sign-in on says only that some factor is: a passkey turns it on too, and a user with passkeys may
        // have an authenticator key from an enrolment never confirmed. Such a key is no factor and must not become one
        // in the next system. As at sign-in (MfaFactors.HasAuthenticatorAsync), the authenticator is on when its record
        // exists, or, for rows from before the records, when no passkey could have turned two-factor sign-in on.
        var withPasskeys = await db.Set<UserPasskey>().AsNoTracking()
            .Where(p => ids.Contains(p.UserId)).Select(p => p.UserId).Distinct().ToListAsync(cancellationToken);
        var withRecords = await db.MfaFactors.AsNoTracking()
            .Where(f => ids.Contains(f.UserId) && f.Kind == MfaFactorKind.Authenticator).Select(f => f.UserId).ToListAsync(cancellationToken);
        var enabled = users
            .Where(u => u.TwoFactorEnabled && (withRecords.Contains(u.Id) || !withPasskeys.Contains(u.Id)))
            .Select(u => u.Id).ToList();
        var keys = await db.UserTokens.AsNoTracking()
            .Where(t => enabled.Contains(t.UserId) && t.LoginProvider == ProtectedUserStore.InternalLoginProvider && t.Name == ProtectedUserStore.AuthenticatorKeyTokenName)
            .Select(t => new { t.UserId, t.Value })
            .ToListAsync(cancellationToken);
        var records = await db.MfaFactors.AsNoTracking()
            .Where(f => ids.Contains(f.UserId) && f.Kind != MfaFactorKind.Authenticator)
            .ToListAsync(cancellationToken);

        var result = new Dictionary<Guid, ExportedFactors>();
        ExportedFactors Of(Guid id) => result.TryGetValue(id, out var factors) ? factors : result[id] = new ExportedFactors();
        foreach (var key in keys)
        {
            if (key.Value is not null && carryOver.RevealKey(key.Value) is { } secret)
            {
                Of(key.UserId)._totp = secret;
            }
        }

        foreach (var record in records)
        {
            var value = carryOver.Reveal(record);
            if (value is null)
            {
                continue;
            }

            if (record.Kind == MfaFactorKind.Phone)
            {
                Of(record.UserId)._phone = value;
            }
            else
            {
                Of(record.UserId)._email = value;
            }
        }

        return result;
    }
}
