using LazyMigrate.Server.LegacyConnections;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Data;

/// <summary>
/// The one database of a LazyMigrate deployment: users (ASP.NET Core Identity), OpenIddict's applications,
/// authorizations, scopes and tokens, and the keys every node must share.
/// </summary>
public sealed class LazyMigrateDbContext(DbContextOptions<LazyMigrateDbContext> options)
    : IdentityDbContext<User, Role, Guid, IdentityUserClaim<Guid>, IdentityUserRole<Guid>, IdentityUserLogin<Guid>, IdentityRoleClaim<Guid>, IdentityUserToken<Guid>, Mfa.UserPasskey>(options),
        IDataProtectionKeyContext
{
    // Identity reads its schema version from the application's services. A context made without them (dotnet ef, a
    // tool, a test) gets these, so its model is the server's: schema version 3, with the passkey table.
    private static readonly IServiceProvider SchemaServices = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
        .Configure<IdentityOptions>(options => options.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
        .BuildServiceProvider();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        if (optionsBuilder.Options.FindExtension<Microsoft.EntityFrameworkCore.Infrastructure.CoreOptionsExtension>()?.ApplicationServiceProvider is null)
        {
            optionsBuilder.UseApplicationServiceProvider(SchemaServices);
        }
    }

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ServerKey> ServerKeys => Set<ServerKey>();

    public DbSet<LegacyConnectionEntity> LegacyConnections => Set<LegacyConnectionEntity>();

    public DbSet<ScriptVersion> ScriptVersions => Set<ScriptVersion>();

    public DbSet<Login.LoginThrottleCounter> LoginThrottleCounters => Set<Login.LoginThrottleCounter>();

    public DbSet<LazyMigration.Tombstone> Tombstones => Set<LazyMigration.Tombstone>();

    public DbSet<Audit.AuditEvent> AuditEvents => Set<Audit.AuditEvent>();

    public DbSet<Account.PendingReset> PendingResets => Set<Account.PendingReset>();

    public DbSet<Account.PasswordResetRequest> PasswordResetRequests => Set<Account.PasswordResetRequest>();

    public DbSet<Email.OutgoingEmail> OutgoingEmails => Set<Email.OutgoingEmail>();

    public DbSet<Account.AccountRateCounter> AccountRateCounters => Set<Account.AccountRateCounter>();

    public DbSet<Identities.UserIdentity> UserIdentities => Set<Identities.UserIdentity>();

    public DbSet<Identities.PendingIdentityLink> PendingIdentityLinks => Set<Identities.PendingIdentityLink>();

    public DbSet<Jobs.Job> Jobs => Set<Jobs.Job>();

    public DbSet<Jobs.JobFileChunk> JobFileChunks => Set<Jobs.JobFileChunk>();

    public DbSet<Jobs.JobError> JobErrors => Set<Jobs.JobError>();

    public DbSet<Sandbox.LegacyCallSlot> LegacyCallSlots => Set<Sandbox.LegacyCallSlot>();
    public DbSet<Mfa.MfaFactor> MfaFactors => Set<Mfa.MfaFactor>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.HasPostgresExtension("pg_trgm");

        builder.Entity<User>(user =>
        {
            // Identity's default email index is not unique; two accounts sharing an address would let an import or a
            // registration race create a duplicate. The database is the final judge of concurrent first logins.
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique();
            user.HasMany(u => u.Identities).WithOne().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
            user.Property(u => u.Name).HasMaxLength(256);
            user.Property(u => u.GivenName).HasMaxLength(256);
            user.Property(u => u.FamilyName).HasMaxLength(256);
            user.Property(u => u.Nickname).HasMaxLength(256);
            user.Property(u => u.Picture).HasMaxLength(2048);
            user.Property(u => u.UserMetadata).HasColumnType("jsonb");
            user.Property(u => u.AppMetadata).HasColumnType("jsonb");
            user.Property(u => u.SearchText)
                .HasComputedColumnSql("""lower(coalesce("Email", '') || ' ' || coalesce("UserName", '') || ' ' || coalesce("Name", ''))""", stored: true);
            user.HasIndex(u => u.SearchText).HasMethod("gin").HasOperators("gin_trgm_ops");
            // Keyset paging of the management API walks (CreatedAt, Id) and filters by migration time and last login.
            user.HasIndex(u => new { u.CreatedAt, u.Id });
            user.HasIndex(u => u.MigratedAt);
            user.HasIndex(u => u.LastLoginAt);
        });

        builder.Entity<Identities.UserIdentity>(identity =>
        {
            identity.ToTable("UserIdentities");
            identity.Property(i => i.Connection).HasMaxLength(128);
            identity.Property(i => i.LegacyId).HasMaxLength(256);
            identity.Property(i => i.Email).HasMaxLength(256);
            identity.Property(i => i.Origin).HasConversion<string>().HasMaxLength(16);
            identity.Property(i => i.Profile).HasColumnType("jsonb");
            // One legacy account is one user's, whoever imports or links it first: the database decides races.
            identity.HasIndex(i => new { i.Connection, i.LegacyId }).IsUnique();
            identity.HasIndex(i => i.UserId);
        });

        builder.Entity<Identities.PendingIdentityLink>(link =>
        {
            link.ToTable("PendingIdentityLinks");
            link.HasKey(l => l.UserId);
            link.HasOne<User>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
            link.HasIndex(l => l.DueAt);
        });

        builder.Entity<Mfa.MfaFactor>(Mfa.MfaExtensions.ConfigureMfaFactors);
        builder.Entity<Mfa.UserPasskey>(Mfa.MfaExtensions.ConfigurePasskeys);

        builder.Entity<Jobs.Job>(job =>
        {
            job.ToTable("Jobs");
            job.Property(j => j.Kind).HasConversion<string>().HasMaxLength(16);
            job.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
            job.Property(j => j.Connection).HasMaxLength(128);
            job.Property(j => j.Source).HasMaxLength(32);
            job.Property(j => j.Format).HasMaxLength(32);
            job.Property(j => j.Options).HasColumnType("jsonb");
            job.Property(j => j.RequestedBy).HasMaxLength(300);
            job.Property(j => j.LeaseOwner).HasMaxLength(200);
            job.Property(j => j.Version).IsRowVersion();
            // Nodes look for work by state and lease; the API lists newest first.
            job.HasIndex(j => new { j.State, j.LeaseUntil });
            job.HasIndex(j => j.CreatedAt);
        });

        builder.Entity<Jobs.JobFileChunk>(chunk =>
        {
            chunk.ToTable("JobFileChunks");
            chunk.HasKey(c => new { c.JobId, c.Index });
            chunk.HasOne<Jobs.Job>().WithMany().HasForeignKey(c => c.JobId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Jobs.JobError>(error =>
        {
            error.ToTable("JobErrors");
            error.Property(e => e.Position).HasMaxLength(200);
            error.Property(e => e.Reason).HasMaxLength(64);
            error.Property(e => e.Detail).HasMaxLength(1000);
            error.Property(e => e.LegacyId).HasMaxLength(256);
            error.Property(e => e.Email).HasMaxLength(256);
            error.HasOne<Jobs.Job>().WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
            error.HasIndex(e => new { e.JobId, e.Id });
        });

        builder.Entity<LegacyConnectionEntity>(connection =>
        {
            connection.ToTable("LegacyConnections");
            connection.HasIndex(c => c.Name).IsUnique();
            connection.Property(c => c.Name).HasMaxLength(128);
            connection.Property(c => c.State).HasConversion<string>().HasMaxLength(16);
            connection.Property(c => c.DatabaseProvider).HasConversion<string>().HasMaxLength(16);
            // PostgreSQL's xmin: changes with every update, so it is both the ETag and the optimistic concurrency token.
            connection.Property(c => c.Version).IsRowVersion();
            connection.HasMany(c => c.Scripts).WithOne().HasForeignKey(s => s.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ScriptVersion>(script =>
        {
            script.Property(s => s.Function).HasConversion<string>().HasMaxLength(16);
            script.Property(s => s.ContentHash).HasMaxLength(64);
            script.Property(s => s.Author).HasMaxLength(256);
            // Two saves of the same script at once: one gets the next number, the other a unique violation.
            script.HasIndex(s => new { s.ConnectionId, s.Function, s.Version }).IsUnique();
        });

        builder.Entity<Login.LoginThrottleCounter>(counter =>
        {
            counter.HasKey(c => c.Key);
            counter.Property(c => c.Key).HasMaxLength(400);
        });

        builder.Entity<LazyMigration.Tombstone>(tombstone =>
        {
            tombstone.Property(t => t.Connection).HasMaxLength(128);
            tombstone.Property(t => t.LegacyId).HasMaxLength(256);
            tombstone.HasIndex(t => new { t.Connection, t.LegacyId }).IsUnique();
            // A deleted person's address stays deleted at every connection, not only the one they came from.
            tombstone.HasIndex(t => t.NormalizedEmail);
        });

        builder.Entity<Audit.AuditEvent>(audit =>
        {
            audit.Property(a => a.Type).HasConversion<string>().HasMaxLength(32);
            audit.Property(a => a.Connection).HasMaxLength(128);
            audit.Property(a => a.Reason).HasMaxLength(64);
            audit.Property(a => a.Actor).HasMaxLength(300);
            audit.HasIndex(a => new { a.Connection, a.At });
            audit.HasIndex(a => a.At);
            audit.HasIndex(a => new { a.Type, a.At });
            audit.HasIndex(a => new { a.UserId, a.At });
        });

        builder.Entity<Account.PendingReset>(reset =>
        {
            reset.Property(r => r.TokenHash).HasMaxLength(64);
            reset.Property(r => r.Connection).HasMaxLength(128);
            reset.Property(r => r.LegacyId).HasMaxLength(256);
            reset.Property(r => r.Profile).HasColumnType("jsonb");
            reset.HasIndex(r => r.ExpiresAt);
        });

        builder.Entity<Account.PasswordResetRequest>(request =>
        {
            request.ToTable("PasswordResetRequests");
            request.Property(r => r.Email).HasMaxLength(256);
            request.HasIndex(r => r.DueAt);
        });

        builder.Entity<Account.AccountRateCounter>(counter =>
        {
            counter.ToTable("AccountRateCounters");
            counter.HasKey(c => c.Key);
            counter.Property(c => c.Key).HasMaxLength(400);
            counter.HasIndex(c => c.WindowStart);
        });

        builder.Entity<Email.OutgoingEmail>(message =>
        {
            message.ToTable("OutgoingEmails");
            message.Property(m => m.To).HasMaxLength(256);
            message.Property(m => m.Subject).HasMaxLength(256);
            message.HasIndex(m => m.DueAt);
        });

        builder.Entity<ServerKey>(key =>
        {
            key.Property(k => k.Algorithm).HasMaxLength(32);
            key.HasIndex(k => new { k.Use, k.CreatedAt });
            key.HasIndex(k => new { k.Use, k.ActivatesAt });
        });

        builder.Entity<Sandbox.LegacyCallSlot>(slot =>
        {
            slot.ToTable("LegacyCallSlots");
            slot.HasKey(s => new { s.Connection, s.Slot });
            slot.Property(s => s.Connection).HasMaxLength(128);
        });
    }
}
