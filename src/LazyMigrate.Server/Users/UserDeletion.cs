using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Users;

/// <summary>Deletes users. A migrated user leaves a <see cref="Tombstone"/> unless re-import is explicitly allowed.</summary>
public sealed class UserDeletion(LazyMigrateDbContext db, AuditTrail audit, TimeProvider time, ILogger<UserDeletion> logger)
{
    /// <returns>False when there is no such user.</returns>
    public async Task<bool> DeleteAsync(Guid userId, bool allowReimport, string? actor, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct);
            if (user is null)
            {
                return false;
            }

            if (user is { SourceConnection: { } connection, LegacyId: { } legacyId } && !allowReimport)
            {
                var tombstoned = await db.Tombstones.AnyAsync(t => t.Connection == connection && t.LegacyId == legacyId, ct);
                if (!tombstoned)
                {
                    db.Tombstones.Add(new Tombstone
                    {
                        Connection = connection,
                        LegacyId = legacyId,
                        NormalizedEmail = user.NormalizedEmail,
                        DeletedAt = time.GetUtcNow(),
                    });
                }
            }

            db.Users.Remove(user);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(AuditEventType.UserDeleted, userId, user.SourceConnection,
                reason: user.SourceConnection is null ? null : allowReimport ? "ReimportAllowed" : "Tombstoned", actor: actor, cancellationToken: ct);
            await transaction.CommitAsync(ct);
            logger.LogInformation("User {UserId} deleted{Tombstone}", userId,
                user.SourceConnection is not null && !allowReimport ? " (tombstone kept: no re-import)" : "");
            return true;
        }, cancellationToken);
    }

    /// <summary>True when this connection's user must not be imported again.</summary>
    public static Task<bool> IsTombstonedAsync(LazyMigrateDbContext db, string connection, string? legacyId, string? normalizedEmail, CancellationToken cancellationToken) =>
        db.Tombstones.AnyAsync(t => t.Connection == connection &&
            ((legacyId != null && t.LegacyId == legacyId) || (normalizedEmail != null && t.NormalizedEmail == normalizedEmail)), cancellationToken);
}
