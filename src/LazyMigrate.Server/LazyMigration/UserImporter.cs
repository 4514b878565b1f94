using System.Text.Json;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LazyMigrate.Server.LazyMigration;

/// <summary>How an import ended.</summary>
public abstract record ImportResult
{
    private ImportResult()
    {
    }

    /// <summary>This call created the user.</summary>
    public sealed record Created(User User) : ImportResult;

    /// <summary>
    /// The legacy identity, or the address, already belongs to this user (a concurrent first login won, or the person
    /// migrated before). The caller treats them as a local user: only the native password signs them in.
    /// </summary>
    public sealed record Existing(User User) : ImportResult;

    /// <summary>Nothing was imported: the user was deleted here (tombstone), or the username belongs to someone else.</summary>
    public sealed record Refused(string Reason) : ImportResult;
}

/// <summary>
/// The one place a legacy user becomes a user here, whichever flow brings them (login, reset, later bulk import).
/// One transaction writes the user, its identity, the pending search for its other identities and the audit
/// event; unique indexes on the normalised email and on the identity's (connection, legacy id) make concurrent
/// first logins, on one node or many, produce exactly one user, and the losers read the winner's row.
/// </summary>
public sealed class UserImporter(
    LazyMigrateDbContext db,
    UserManager<User> users,
    IPasswordHasher<User> hasher,
    AuditTrail audit,
    MigrationMetrics metrics,
    Mfa.MfaCarryOver carryOver,
    TimeProvider time,
    ILogger<UserImporter> logger)
{
    /// <summary>The API's own spelling (camelCase), without the fields the legacy system left empty.</summary>
    internal static readonly JsonSerializerOptions ProfileJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <param name="password">The password the legacy system accepted, or the one chosen through a reset link.</param>
    /// <param name="reason">Why the import happened, for the audit trail (null for a login).</param>
    public async Task<ImportResult> ImportAsync(string connection, LegacyProfile profile, string password, string? reason, TimeSpan? duration,
        CancellationToken cancellationToken)
    {
        var normalizedEmail = users.NormalizeEmail(profile.Email);

        // Next to the import, so no path can bring back a deleted user: by legacy id at this connection, or by address anywhere.
        if (await IsDeletedAsync(connection, profile.Id, normalizedEmail, cancellationToken))
        {
            logger.LogInformation("Import of legacy user {LegacyId} of connection {Connection} refused: the user was deleted here", profile.Id, connection);
            return new ImportResult.Refused("Deleted");
        }

        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Guid.CreateVersion7(),
            // The legacy username when there is one (people sign in with it), else the email, else a name that cannot clash.
            UserName = profile.Username ?? profile.Email ?? $"{connection}|{profile.Id}",
            Email = profile.Email,
            EmailConfirmed = profile.EmailVerified,
            PhoneNumber = profile.PhoneNumber,
            PhoneNumberConfirmed = profile.PhoneVerified,
            Name = profile.Name,
            GivenName = profile.GivenName,
            FamilyName = profile.FamilyName,
            Nickname = profile.Nickname,
            Picture = profile.Picture,
            UserMetadata = profile.UserMetadata?.ToJsonString(),
            AppMetadata = profile.AppMetadata?.ToJsonString(),
            CreatedAt = now,
            MigratedAt = now,
            LastLoginAt = reason is null ? now : null,
            LockoutEnabled = true,
            SecurityStamp = Guid.NewGuid().ToString("N"),
            ConcurrencyStamp = Guid.NewGuid().ToString("N"),
            NormalizedEmail = normalizedEmail,
        };
        user.NormalizedUserName = users.NormalizeName(user.UserName);
        user.Identities.Add(Identity(user.Id, connection, profile, IdentityOrigin.Imported, now));
        // The legacy system's own password rules applied when this password was chosen: ours apply to new passwords only.
        user.PasswordHash = hasher.HashPassword(user, password);

        db.Users.Add(user);
        if (profile.Mfa is { } mfa)
        {
            // In the same transaction: the user never exists here without the factors the legacy system had.
            carryOver.Stage(db, user, mfa, $"lazy:{connection}", now);
        }

        db.PendingIdentityLinks.Add(new PendingIdentityLink { UserId = user.Id, DueAt = now, CreatedAt = now });
        db.AuditEvents.Add(audit.Create(AuditEventType.UserMigrated, user.Id, connection, reason, duration));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Imported user {UserId} from connection {Connection} (legacy id {LegacyId})", user.Id, connection, profile.Id);
            metrics.Migrated(connection, reason);
            return new ImportResult.Created(user);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
        }

        // Someone else imported this legacy user first (a concurrent login), or the address is already a user here.
        var owner = await db.UserIdentities.AsNoTracking()
            .Where(i => i.Connection == connection && i.LegacyId == profile.Id)
            .Select(i => (Guid?)i.UserId)
            .SingleOrDefaultAsync(cancellationToken);
        var existing = owner is { } id
            ? await db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken)
            : normalizedEmail is null ? null : await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalizedEmail, cancellationToken);
        if (existing is null)
        {
            // The username belongs to a different account: never merge accounts silently.
            logger.LogWarning("Import from connection {Connection} (legacy id {LegacyId}) refused: the username belongs to another user", connection, profile.Id);
            return new ImportResult.Refused("UsernameTaken");
        }

        return new ImportResult.Existing(existing);
    }

    /// <summary>True when a user known by this address was deleted without re-import allowed.</summary>
    public Task<bool> IsAddressDeletedAsync(string? normalizedEmail, CancellationToken cancellationToken) =>
        db.Tombstones.AnyAsync(t => normalizedEmail != null && t.NormalizedEmail == normalizedEmail, cancellationToken);

    /// <summary>True when this legacy user, or anyone with this address, was deleted without re-import allowed.</summary>
    public Task<bool> IsDeletedAsync(string connection, string legacyId, string? normalizedEmail, CancellationToken cancellationToken) =>
        db.Tombstones.AnyAsync(t => (t.Connection == connection && t.LegacyId == legacyId) ||
            (normalizedEmail != null && t.NormalizedEmail == normalizedEmail), cancellationToken);

    public static UserIdentity Identity(Guid userId, string connection, LegacyProfile profile, IdentityOrigin origin, DateTimeOffset at) => new()
    {
        UserId = userId,
        Connection = connection,
        LegacyId = profile.Id,
        Origin = origin,
        Email = profile.Email,
        EmailVerified = profile.EmailVerified,
        // The factors' secrets stay out of the identity's profile, which the API and the console show.
        Profile = JsonSerializer.Serialize(profile.WithoutSecrets(), ProfileJson),
        LinkedAt = at,
    };
}
