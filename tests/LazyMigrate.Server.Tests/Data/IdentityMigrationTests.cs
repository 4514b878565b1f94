using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace LazyMigrate.Server.Tests.Data;

public class IdentityMigrationTests
{
    /// <summary>The migration before users had identities: a user knew only its source connection and legacy id.</summary>
    private const string BeforeIdentities = "20261123080429_ManagementSearch";

    [Fact]
    public async Task UsersMigratedBeforeIdentities_KeepTheirSource_AsTheirImportedIdentity()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var options = new DbContextOptionsBuilder<LazyMigrateDbContext>().UseNpgsql(database.ConnectionString).UseOpenIddict().Options;
        var ct = TestContext.Current.CancellationToken;
        await using (var db = new LazyMigrateDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync(BeforeIdentities, ct);
        }

        var migrated = Guid.CreateVersion7();
        var native = Guid.CreateVersion7();
        var migratedAt = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PhoneNumberConfirmed",
                    "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount", "CreatedAt", "MigratedAt", "SourceConnection", "LegacyId", "Name")
                VALUES (@migrated, 'grace', 'GRACE', 'grace@legacy.example', 'GRACE@LEGACY.EXAMPLE', true, false, false, true, 0, @at, @at, 'legacy', '42', 'Grace Hopper'),
                       (@native, 'ada', 'ADA', 'ada@tests.example', 'ADA@TESTS.EXAMPLE', true, false, false, true, 0, @at, NULL, NULL, NULL, 'Ada Lovelace')
                """, connection);
            insert.Parameters.AddWithValue("migrated", migrated);
            insert.Parameters.AddWithValue("native", native);
            insert.Parameters.AddWithValue("at", migratedAt);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using (var db = new LazyMigrateDbContext(options))
        {
            await db.Database.MigrateAsync(ct);
            var users = await db.Users.AsNoTracking().Include(u => u.Identities).OrderBy(u => u.UserName).ToListAsync(ct);

            Assert.Equal(["ada", "grace"], users.Select(u => u.UserName));
            Assert.Empty(users[0].Identities);
            var identity = Assert.Single(users[1].Identities);
            Assert.Equal(("legacy", "42", IdentityOrigin.Imported, "grace@legacy.example", true, migratedAt),
                (identity.Connection, identity.LegacyId, identity.Origin, identity.Email, identity.EmailVerified, identity.LinkedAt));
            Assert.Equal("Grace Hopper", users[1].Name);
            // Their other pools were never looked for: the migrated user, and only that one, waits to be linked.
            Assert.Equal([migrated], await db.PendingIdentityLinks.Select(l => l.UserId).ToListAsync(ct));
            Assert.Equal(migratedAt, users[1].MigratedAt);
        }
    }
}
