using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Users;

/// <summary>Deletes users. A migrated user leaves a <see cref="Tombstone"/> unless re-import is explicitly allowed.</summary>
public sealed class UserDeletion(LazyMigrateDbContext db, ILookupNormalizer users, AuditTrail audit, TimeProvider time, ILogger<UserDeletion> logger)
{
    /// <returns>False when there is no such user.</returns>
    public async Task<bool> DeleteAsync(Guid userId, bool allowReimport, string? actor, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var user = await db.Users.Include(u => u.Identities).SingleOrDefaultAsync(u => u.Id == userId, ct);
            if (user is null)
            {
                return false;
            }

            // Every legacy identity the user had is tombstoned, so no pool they were known to brings them back.
            var tombstone = user.Identities.Count > 0 && !allowReimport;
            if (tombstone)
            {
                var now = time.GetUtcNow();
                foreach (var identity in user.Identities)
                {
                    if (!await db.Tombstones.AnyAsync(t => t.Connection == identity.Connection && t.LegacyId == identity.LegacyId, ct))
                    {
                        db.Tombstones.Add(new Tombstone
                        {
                            Connection = identity.Connection,
                            LegacyId = identity.LegacyId,
                            // The address that legacy system knows them by, which may not be their address here any more.
                            NormalizedEmail = users.NormalizeEmail(identity.Email) ?? user.NormalizedEmail,
                            DeletedAt = now,
                        });
                    }
                }
            }

            var source = user.Identities.FirstOrDefault(i => i.Origin == Identities.IdentityOrigin.Imported)?.Connection;
            db.Users.Remove(user);
            db.AuditEvents.Add(audit.Create(AuditEventType.UserDeleted, userId, source,
                reason: user.Identities.Count == 0 ? null : allowReimport ? "ReimportAllowed" : "Tombstoned", actor: actor));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            logger.LogInformation("User {UserId} deleted{Tombstone}", userId, tombstone ? " (tombstones kept: no re-import)" : "");
            return true;
        }, cancellationToken);
    }
}
