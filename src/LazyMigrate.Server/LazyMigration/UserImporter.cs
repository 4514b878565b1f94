using LazyMigrate.Scripting;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LazyMigrate.Server.LazyMigration;

/// <summary>
/// Creates a user from a legacy profile and the password the legacy system just accepted, hashed natively.
/// One INSERT decides: unique indexes on the normalised email and on (connection, legacy id) make concurrent first
/// logins of one user, on one node or many, produce exactly one row; the losers read the winner's row.
/// </summary>
public sealed class UserImporter(LazyMigrateDbContext db, UserManager<User> users, IPasswordHasher<User> hasher, TimeProvider time, ILogger<UserImporter> logger)
{
    /// <returns>The user (null when the address belongs to a different account) and whether this call created it.</returns>
    public async Task<(User? User, bool Created)> ImportAsync(string connection, LegacyProfile profile, string password, CancellationToken cancellationToken)
    {
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
            SourceConnection = connection,
            LegacyId = profile.Id,
            CreatedAt = now,
            MigratedAt = now,
            LastLoginAt = now,
            LockoutEnabled = true,
            SecurityStamp = Guid.NewGuid().ToString("N"),
            ConcurrencyStamp = Guid.NewGuid().ToString("N"),
        };
        user.NormalizedUserName = users.NormalizeName(user.UserName);
        user.NormalizedEmail = users.NormalizeEmail(user.Email);
        // The legacy system's own password rules applied when this password was chosen: ours apply to new passwords only.
        user.PasswordHash = hasher.HashPassword(user, password);

        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Imported user {UserId} from connection {Connection} (legacy id {LegacyId})", user.Id, connection, profile.Id);
            return (user, true);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
        }

        // Someone else imported this legacy user first (a concurrent login): that row is the user.
        var existing = await db.Users.SingleOrDefaultAsync(u => u.SourceConnection == connection && u.LegacyId == profile.Id, cancellationToken);
        if (existing is null)
        {
            // The email or username belongs to a different account: never merge accounts silently.
            logger.LogWarning("Import from connection {Connection} (legacy id {LegacyId}) refused: the email or username belongs to another user",
                connection, profile.Id);
        }

        return (existing, false);
    }
}
