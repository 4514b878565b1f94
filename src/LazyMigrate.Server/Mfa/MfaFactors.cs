using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Mfa;

/// <summary>
/// A user's second factors: the records the API and console list, the authenticator's replay guard, and the changes
/// (enrol, remove) that keep Identity's two-factor state and those records in step.
/// </summary>
public sealed class MfaFactors(LazyMigrateDbContext db, IServiceProvider services, AuditTrail audit, TimeProvider time)
{
    // Resolved when first used, not injected: UserManager builds its token providers, among them the authenticator
    // code provider, which needs this class, and Passkeys needs UserManager. Injecting it would be a cycle.
    private Passkeys? _passkeys;

    private Passkeys PasskeyStore => _passkeys ??= services.GetRequiredService<Passkeys>();

    /// <summary>The recovery codes a user gets at enrolment and at each regeneration.</summary>
    public const int RecoveryCodeCount = 10;

    /// <summary>
    /// Records <paramref name="step"/> as the authenticator's last accepted time step, if it is later than the last
    /// one; false when it is not (a replayed code). Creates the record on the first accepted code (enrolment).
    /// </summary>
    public async Task<bool> AcceptTimeStepAsync(Guid userId, long step, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // One statement: two nodes presented the same code at once accept it at most once.
        var accepted = await db.Database.SqlQuery<int>($"""
            INSERT INTO "MfaFactors" AS f ("Id", "UserId", "Kind", "CreatedAt", "LastUsedAt", "LastTimeStep", "Origin")
            VALUES ({Guid.NewGuid()}, {userId}, {nameof(MfaFactorKind.Authenticator)}, {now}, {now}, {step}, 'enrolled')
            ON CONFLICT ("UserId", "Kind") DO UPDATE SET "LastTimeStep" = {step}, "LastUsedAt" = {now}
            WHERE f."LastTimeStep" IS NULL OR f."LastTimeStep" < {step}
            RETURNING 1 AS "Value"
            """).ToListAsync(cancellationToken);
        return accepted.Count == 1;
    }

    public Task<List<MfaFactor>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
        db.Set<MfaFactor>().AsNoTracking().Where(f => f.UserId == userId).OrderBy(f => f.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>Every factor of a user as the API and the console list them: the records, then the passkeys.</summary>
    public async Task<List<MfaFactorView>> ListViewsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var views = (await ListAsync(userId, cancellationToken)).Select(MfaFactorView.From).ToList();
        views.AddRange((await PasskeyStore.ListAsync(userId, cancellationToken)).Select(MfaFactorView.From));
        return views;
    }

    /// <summary>
    /// Whether the user's authenticator is on: two-factor sign-in on, and the authenticator's record, or (rows from
    /// before the records) no passkey that could have turned it on.
    /// </summary>
    public async Task<bool> HasAuthenticatorAsync(User user, CancellationToken cancellationToken) =>
        user.TwoFactorEnabled
        && (await db.Set<MfaFactor>().AnyAsync(f => f.UserId == user.Id && f.Kind == MfaFactorKind.Authenticator, cancellationToken)
            || await PasskeyStore.CountAsync(user.Id, cancellationToken) == 0);

    /// <summary>Turns two-factor sign-in on after the first code was accepted, and returns the recovery codes to show once.</summary>
    public async Task<IReadOnlyList<string>> CompleteAuthenticatorEnrolmentAsync(UserManager<User> users, User user, CancellationToken cancellationToken)
    {
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
        await audit.RecordAsync(AuditEventType.MfaEnrolled, userId: user.Id, reason: nameof(MfaFactorKind.Authenticator), cancellationToken: cancellationToken);
        return codes;
    }

    /// <summary>
    /// Removes the authenticator: a new random key replaces the old one (so the old app's codes are dead), the
    /// recovery codes go with it, and two-factor sign-in is off when no factor remains.
    /// </summary>
    public async Task RemoveAuthenticatorAsync(UserManager<User> users, User user, string? actor, CancellationToken cancellationToken)
    {
        await db.Set<MfaFactor>().Where(f => f.UserId == user.Id && f.Kind == MfaFactorKind.Authenticator).ExecuteDeleteAsync(cancellationToken);
        await users.ResetAuthenticatorKeyAsync(user);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        // Passkeys remain a second factor on their own.
        await PasskeyStore.TurnOffTwoFactorWhenNoFactorLeftAsync(user, cancellationToken);
        await audit.RecordAsync(AuditEventType.MfaRemoved, userId: user.Id, reason: nameof(MfaFactorKind.Authenticator), actor: actor, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Removes one factor of a user, named by its id (a passkey's as listed) or its kind (<c>authenticator</c>,
    /// <c>phone</c>, <c>email</c>), audited with <paramref name="actor"/>. False when the user or the factor does not exist.
    /// </summary>
    public async Task<bool> RemoveAsync(UserManager<User> users, Guid userId, string factor, string actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return false;
        }

        if (!Guid.TryParse(factor, out _) && await PasskeyStore.RemoveAsync(user, factor, actor, cancellationToken))
        {
            return true;
        }

        var all = await ListAsync(userId, cancellationToken);
        var target = Guid.TryParse(factor, out var id)
            ? all.FirstOrDefault(f => f.Id == id)
            : Enum.TryParse<MfaFactorKind>(factor, ignoreCase: true, out var kind) && !int.TryParse(factor, out _) ? all.FirstOrDefault(f => f.Kind == kind) : null;
        var authenticatorWithoutRecord = target is null
            && string.Equals(factor, nameof(MfaFactorKind.Authenticator), StringComparison.OrdinalIgnoreCase)
            && await HasAuthenticatorAsync(user, cancellationToken);
        if (target?.Kind == MfaFactorKind.Authenticator || authenticatorWithoutRecord)
        {
            await RemoveAuthenticatorAsync(users, user, actor, cancellationToken);
            return true;
        }

        if (target is null)
        {
            return false;
        }

        await db.Set<MfaFactor>().Where(f => f.Id == target.Id).ExecuteDeleteAsync(cancellationToken);
        await audit.RecordAsync(AuditEventType.MfaRemoved, userId: userId, reason: target.Kind.ToString(), actor: actor, cancellationToken: cancellationToken);
        return true;
    }
}

/// <summary>
/// A factor as the management API and the console show it: what it is and when it was used, never a secret. A
/// passkey's <paramref name="Id"/> is derived from its credential id (<see cref="Passkeys.PublicId"/>), and it has the
/// <paramref name="Name"/> its owner gave it.
/// </summary>
public sealed record MfaFactorView(string Id, string Kind, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string? Origin, string? Name = null)
{
    public const string PasskeyKind = "passkey";

    public static MfaFactorView From(MfaFactor factor) =>
        new(factor.Id.ToString(), System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(factor.Kind.ToString()), factor.CreatedAt, factor.LastUsedAt, factor.Origin);

    public static MfaFactorView From(PasskeyView passkey) =>
        new(passkey.Id, PasskeyKind, passkey.CreatedAt, passkey.LastUsedAt, "enrolled", passkey.Name);
}
